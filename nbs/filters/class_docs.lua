-- Classes documented as classes. nbdev's `show_doc` writes every signature with fastcore's `DocmentText`, whose
-- prefix is always `def` (fastcore 1.8: `prefix = 'async def' if async_ else 'def'`, for classes too), so an
-- exported class reads `def NearestMean(classes, ...)`. Each `show_doc` output is: a `[source](.../digitclf/X.py#LN)`
-- link, a heading with the name, a python code block `def Name(...)`. Where line N of the library's file (the same
-- tree the site is built from: `../digitclf/X.py` beside the project) starts with `class `, the block becomes
-- `class Name:` with the signature as its `def __init__(self, ...)`.
local function project_root()
  local dir = quarto.project.directory
  return dir and (dir .. '/..') or '..'
end

local function is_class_at(path, line)
  local f = io.open(project_root() .. '/' .. path, 'r')
  if not f then return false end
  local n, found = 0, false
  for text in f:lines() do
    n = n + 1
    if n == line then found = text:match('^class%s') ~= nil; break end
  end
  f:close()
  return found
end

local function source_of(block)  -- 'digitclf/models.py', 95 from the show_doc's [source](...) paragraph
  if block.t ~= 'Para' and block.t ~= 'Plain' then return nil end
  for _, el in ipairs(block.content) do
    if el.t == 'Link' then
      local path, line = el.target:match('/blob/[^/]+/(.-%.py)#L(%d+)$')
      if path then return path, tonumber(line) end
    end
  end
  return nil
end

local function as_class(code, name)
  local text = code.text
  local rest = text:match('^def ' .. name .. '%((.*)$')
  if not rest then return nil end
  local init
  if rest:match('^%)') then init = 'def __init__(self' .. rest
  else init = 'def __init__(\n    self,' .. rest end
  local lines = {'class ' .. name .. ':'}
  for l in (init .. '\n'):gmatch('(.-)\n') do table.insert(lines, '    ' .. l) end
  code.text = table.concat(lines, '\n')
  return code
end

return {
  {
    Blocks = function(blocks)
      local path, line, name = nil, nil, nil
      for i, b in ipairs(blocks) do
        local p, l = source_of(b)
        if p then path, line, name = p, l, nil
        elseif b.t == 'Header' and path then name = pandoc.utils.stringify(b.content)
        elseif b.t == 'CodeBlock' and name and b.classes:includes('python') then
          if name:match('^[%w_]+$') and is_class_at(path, line) then blocks[i] = as_class(b, name) or b end
          path, line, name = nil, nil, nil
        elseif b.t ~= 'HorizontalRule' then path, line, name = nil, nil, nil end
      end
      return blocks
    end,
  },
}
