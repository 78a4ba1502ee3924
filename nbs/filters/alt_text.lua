-- Every image has alt text (WCAG 1.1.1): an image that has none (no description, no `fig-alt`) gets its figure's
-- caption. Figures whose notebook gives neither caption nor `fig-alt` are left as they are: the browser tests
-- (tests/browser/test_a11y.py, axe's image-alt) name them, for the notebook to give one.
-- Quarto writes a figure's image with no alt attribute unless it has a `fig-alt` (its description is the caption):
-- each image of a figure gets a `fig-alt`, its own description where it has one, else the figure's caption.
local function give(el, text)
  if text == '' then return nil end
  return el:walk({Image = function(img)
    if (img.attributes['fig-alt'] or '') ~= '' then return nil end
    local own = pandoc.utils.stringify(img.caption or {})
    img.attributes['fig-alt'] = own ~= '' and own or text
    return img
  end})
end

return {
  {
    Figure = function(fig) return give(fig, pandoc.utils.stringify(fig.caption and fig.caption.long or {})) end,
    -- a notebook cell's figure before Quarto makes it one: the cell's `#| fig-cap:` on its Div
    Div = function(div)
      local cap = div.attributes['fig-cap'] or div.attributes['fig.cap']
      if cap and not cap:match('^%[') then return give(div, cap) end
    end,
  },
}
