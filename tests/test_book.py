"""Book-wide checks, run by pytest from the repository (no browser, no network, no training):

- every notebook of the book (chapters, home page, appendix) opens with an *Open in Colab* badge that points at
  its own path on `main`, and its first code cell is the hidden cell that installs `digitclf` on Colab only;
- `README.md`, which nbdev generates from `nbs/index.ipynb`, is in step with it: every paragraph of the home
  page and every printed output is in the README, and both link every chapter and appendix notebook.

These checks read files of the repository, so they live here rather than in a notebook, which must run alone,
as Colab opens it.
"""
import json, re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'

def _repository() -> str:
    "The repository's address, as `pyproject.toml` names it (`[project.urls] Repository`)"
    text = (ROOT/'pyproject.toml').read_text()
    try: import tomllib
    except ImportError:  # Python 3.10: no tomllib; the line is simple enough to read
        return re.search(r'^Repository\s*=\s*"([^"]+)"', text, re.M)[1]
    return tomllib.loads(text)['project']['urls']['Repository']

REPO = _repository()
OWNER_NAME = REPO.removeprefix('https://github.com/')

def _notebooks() -> list:
    "Every notebook of the book, relative to nbs/: the chapters, the home page and the appendix (no drafts, no checkpoints)"
    return sorted(p.relative_to(NBS) for p in NBS.rglob('*.ipynb') if not any(part.startswith(('.', '_')) for part in p.relative_to(NBS).parts))

NOTEBOOKS = _notebooks()
CHAPTERS = [nb for nb in NOTEBOOKS if nb.as_posix() != 'index.ipynb']  # chapters and appendix
BADGE_RE = re.compile(r'\[!\[Open In Colab\]\(https://colab\.research\.google\.com/assets/colab-badge\.svg\)\]\(([^)\s]+)\)')
# the install cell: the package as it is, or with an extra (chapter 10 needs onnx and onnxruntime: `digitclf[book]`)
INSTALL_RE = re.compile(r"""#\| eval: false
#\| hide
if 'google\.colab' in str\(get_ipython\(\)\):  # on Colab only: install the book's package
    %pip install -q (?:git\+{repo}\.git|"digitclf\[\w+\] @ git\+{repo}\.git")""".format(repo=re.escape(REPO)))

def _cells(nb:Path) -> list: return json.loads((NBS/nb).read_text())['cells']
def _src(cell) -> str: return ''.join(cell['source'])

def test_the_book_has_its_notebooks():
    names = {nb.as_posix() for nb in NOTEBOOKS}
    assert {'index.ipynb', '00_data.ipynb', '08_photos.ipynb', '09_cli.ipynb', '10_playground.ipynb'} <= names, names
    assert REPO == 'https://github.com/digitclf/digitclf'

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=str)
def test_colab_badge(nb):
    "The notebook's opening (before its first code cell) has one Colab badge, linking the notebook itself on main"
    cells = _cells(nb)
    first_code = next((i for i, c in enumerate(cells) if c['cell_type'] == 'code'), len(cells))
    badges = BADGE_RE.findall(''.join(_src(c) for c in cells[:first_code]))
    assert badges == [f"https://colab.research.google.com/github/{OWNER_NAME}/blob/main/nbs/{nb.as_posix()}"], badges

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=str)
def test_colab_install_cell(nb):
    "The notebook's first code cell installs digitclf on Colab only, hidden"
    code = [c for c in _cells(nb) if c['cell_type'] == 'code']
    assert code and INSTALL_RE.fullmatch(_src(code[0]).strip()), f"{nb}: its first code cell should be the Colab install cell"

_QUOTES = str.maketrans({'‘': "'", '’': "'", '“': '"', '”': '"'})

def _norm(s:str) -> str:
    "Markdown as text to compare: links as their text (nbdev-readme points them at the site), straight quotes, one space"
    s = s.translate(_QUOTES)
    for _ in range(2): s = re.sub(r'!?\[([^\]]*)\]\([^)\s]*\)', r'\1', s)  # [text](url) -> text, a link in a link too
    s = re.sub(r'^```\s+', '```', s, flags=re.M)  # "``` sh" -> "```sh"
    return ' '.join(s.split())

def _site_page(nb:Path) -> str:
    "The page of the site nbdev makes of `nb`: its name without the number and the extension"
    return (nb.parent/re.sub(r'^\d+_', '', nb.stem)).as_posix() + '.html'

def _visible(cell) -> bool:
    return not re.search(r'^#\|\s*(hide|echo:\s*false|include:\s*false)\s*$', _src(cell), re.M)

README = (ROOT/'README.md').read_text()

def test_readme_in_step_with_home_page():
    "Each paragraph of index.ipynb, and each output it prints, is in README.md (regenerate it with `nbdev-readme`)"
    readme, missing = _norm(README), []
    for i, cell in enumerate(_cells(Path('index.ipynb'))):
        if cell['cell_type'] == 'markdown':
            blocks = re.split(r'\n\s*\n', _src(cell))
            if i == 0: blocks = [b for b in blocks if not b.startswith(('# ', '> '))]  # title and description: front matter
            blocks = [b for b in blocks if not BADGE_RE.fullmatch(b.strip())]  # the badge: its link is checked below
        elif cell['cell_type'] == 'code' and _visible(cell):
            blocks = [''.join(o['text']) for o in cell.get('outputs', []) if o['output_type'] == 'stream']
        else: continue
        missing += [b for b in blocks if _norm(b) and _norm(b) not in readme]
    assert f"https://colab.research.google.com/github/{OWNER_NAME}/blob/main/nbs/index.ipynb" in README
    assert not missing, "README.md is not in step with nbs/index.ipynb (run nbdev-readme); missing:\n" + '\n---\n'.join(missing)

@pytest.mark.parametrize('nb', CHAPTERS, ids=str)
def test_home_page_and_readme_list_every_chapter(nb):
    home = ''.join(_src(c) for c in _cells(Path('index.ipynb')) if c['cell_type'] == 'markdown')
    assert f"]({nb.as_posix()})" in home, f"the home page does not link {nb}"
    assert f"](nbs/{nb.as_posix()})" in README or f"/{_site_page(nb)})" in README, f"README.md does not link {nb} (nor its page)"

def _anchor(heading:str) -> str:
    "The id Quarto (pandoc) gives a heading: lowercase, spaces to '-', punctuation but '_', '-', '.' dropped"
    h = re.sub(r'[^\w\s.-]', '', heading.replace('`', '').replace('*', '').lower())
    return re.sub(r'^[^a-z]+', '', re.sub(r'\s+', '-', h.strip()))

def _anchors(nb:Path) -> set:
    "The anchors of the headings of the notebook `nb` (a path under `nbs/`)"
    return {_anchor(m[1]) for c in _cells(nb) if c['cell_type'] == 'markdown'
            for m in re.finditer(r'^#{2,6} (.+)$', _src(c), re.M)}

def test_questionnaire_map_links_resolve():
    "Appendix F maps fastbook's 37 questions, each to a heading that exists in the chapter it links"
    table = '\n'.join(_src(c) for c in _cells(Path('appendix/06_questionnaire.ipynb')) if c['cell_type'] == 'markdown')
    rows = re.findall(r'^\| (\d+) \|.*\]\(\.\./([\w.]+\.ipynb)#([\w.-]+)\) \|$', table, re.M)
    assert [int(n) for n, *_ in rows] == list(range(1, 38))
    broken = [(n, nb, a) for n, nb, a in rows if a not in _anchors(Path(nb))]
    assert not broken, broken

@pytest.mark.parametrize('nb', [f'{n:02d}' for n in range(11)])
def test_every_chapter_ends_with_its_study_sections(nb):
    "Every chapter ends with Summary, Questionnaire, Exercises and Further research, in that order"
    path = next(NBS.glob(f'{nb}_*.ipynb')).relative_to(NBS)
    heads = [m[1].strip() for c in _cells(path) if c['cell_type'] == 'markdown' for m in re.finditer(r'^## (.+)$', _src(c), re.M)]
    heads = [h for h in heads if h != 'Answer']  # the titles of the questionnaire's collapsed answers (callouts)
    assert heads[-4:] == ['Summary', 'Questionnaire', 'Exercises', 'Further research'], heads[-6:]

def test_every_fastbook_question_is_asked_once():
    "Between them, the chapters' questionnaires ask each of fastbook chapter 4's 37 questions, once (a `<!-- fastbook QN -->` tag each)"
    tags = [int(n) for nb in sorted(NBS.glob('[0-9][0-9]_*.ipynb')) for c in _cells(nb.relative_to(NBS))
            if c['cell_type'] == 'markdown' for n in re.findall(r'<!-- fastbook Q(\d+) -->', _src(c))]
    assert sorted(tags) == list(range(1, 38)), sorted(tags)
