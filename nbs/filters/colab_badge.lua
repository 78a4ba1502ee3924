-- The "Open In Colab" badge at the top of every notebook, `[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](URL)`:
-- on the site its image is the book's own copy (assets/colab-badge.svg: no request to another host), shown inline
-- (not a figure with a caption: Quarto makes a figure of a lone linked image), with the alt text "Open In Colab";
-- `tools/build_site_assets.py --post-render` adds beside it a link to download the page's notebook (after Quarto, which
-- would turn a link to X.ipynb into one to X.html).
local BADGE = 'https://colab.research.google.com/assets/colab-badge.svg'

-- '../' once per folder between the project's root and this page (the pages of nbs/appendix/ are one down)
local function to_root()
  local input, project = quarto.doc.input_file, quarto.project.directory
  if not (input and project) then return '' end
  local rel = input:sub(#project + 2)
  local _, depth = rel:gsub('/', '')
  return string.rep('../', depth)
end

local function is_badge(link)
  return link.t == 'Link' and #link.content == 1 and link.content[1].t == 'Image' and link.content[1].src == BADGE
end

local function badge(link)
  local src = to_root() .. 'assets/colab-badge.svg'
  local html = string.format('<a class="colab-badge" href="%s"><img src="%s" alt="Open In Colab" width="117" height="20"></a>', link.target, src)
  return pandoc.RawInline('html', html)
end

return {
  {
    -- Quarto has already made a figure of the lone linked image (its caption "Open In Colab"): a paragraph again
    Figure = function(fig)
      local badge_html
      fig:walk({RawInline = function(r) if r.text:match('class="colab%-badge"') then badge_html = r end end})
      if badge_html then return pandoc.Para({badge_html}) end
    end,
    Inlines = function(inlines)
      -- only the HTML pages: the Markdown copies and README.md (nbdev-readme) keep Colab's own badge, which
      -- GitHub shows, and no file of the site's assets that a README at the repository's root could not reach
      if not quarto.doc.is_format('html') then return nil end
      local changed = false
      for i, el in ipairs(inlines) do
        if is_badge(el) then inlines[i] = badge(el); changed = true end
      end
      if changed then return inlines end
    end,
  },
}
