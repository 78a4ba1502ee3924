#!/usr/bin/env python
"""Make the book's site whole offline: no page asks another host for anything.

Two steps, both run by the build (`.ci/run`):

- before `nbdev-docs` (`python tools/build_site_assets.py`): copy MathJax, pinned in `package-lock.json`, from
  node_modules into `nbs/assets/mathjax/` (git ignores it), where `_quarto.yml`'s `html-math-method` points
  (`assets/mathjax/tex-chtml-full.js`; the pages under `nbs/appendix/` get `../assets/...` from their
  `_metadata.yml`). Run `npm ci` first.
- after Quarto has rendered the site (`--post-render`, run by Quarto itself: `_quarto.yml`'s `project: post-render`):
  take out of every HTML page the scripts Quarto's template writes in from CDNs and that the book does not need:
  the ES6 polyfill of cdnjs.cloudflare.com (MathJax 3 runs without it in every browser that runs the site), and
  require.js / jQuery of cdn.jsdelivr.net with their `define('jquery', ...)` (added to each page with an HTML output,
  for Jupyter widgets; the book has none); and copy each notebook of nbs/ into the site's notebooks/ with a "Download the notebook" link
  after each page's Colab badge (written here: Quarto would turn a link to X.ipynb into one to X.html). A page that still loads a script, style or image from another host is named in a warning.

Usage: python tools/build_site_assets.py [--post-render [SITE]]
"""
import argparse, os, re, shutil, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT/'nbs'/'assets'
# MathJax's CommonHTML build with every TeX extension, its fonts, and what its menu loads on demand
# (the accessibility explorer and speech), nothing else of the package's 24 MB
MATHJAX_FILES = ('tex-chtml-full.js', 'output/chtml/fonts/woff-v2', 'a11y', 'sre', 'ui', 'input/tex/extensions', 'adaptors')

CDN_SCRIPTS = [  # what Quarto's template and its Jupyter-widget support write in; none of it is needed
    re.compile(r'[ \t]*<script src="https://cdnjs\.cloudflare\.com/polyfill/[^"]*"></script>\n?'),
    re.compile(r'[ \t]*<script src="https://cdn\.jsdelivr\.net/npm/requirejs@[^"]*"[^>]*></script>\n?'),
    re.compile(r'[ \t]*<script src="https://cdn\.jsdelivr\.net/npm/jquery@[^"]*"[^>]*></script>\n?'),
    re.compile(r"""[ \t]*<script type="application/javascript">define\('jquery', \[\],function\(\) \{return window\.jQuery;\}\)</script>\n?"""),
]
# a script, style sheet, font or image of another host, in what the page loads by itself (links to read are fine)
FOREIGN = re.compile(r'<(?:script|img|source|iframe)\b[^>]*\bsrc="(?:https?:)?//[^"]+"|<link\b[^>]*\brel="(?:stylesheet|preload|modulepreload)"[^>]*\bhref="(?:https?:)?//[^"]+"'
                     r'|<link\b[^>]*\bhref="(?:https?:)?//[^"]+"[^>]*\brel="(?:stylesheet|preload|modulepreload)"|@import\s+url\(["\']?(?:https?:)?//')


def copy_mathjax(dest:Path=ASSETS/'mathjax', src:Path=ROOT/'node_modules'/'mathjax'/'es5') -> int:
    "Copy MathJax's files the site uses from `src` into `dest`; their total size in bytes"
    missing = [f for f in MATHJAX_FILES if not (src/f).exists()]
    if missing: sys.exit(f"build_site_assets: {', '.join(missing)} not in {src}: run `npm ci` in {ROOT} first")
    if dest.exists(): shutil.rmtree(dest)
    for f in MATHJAX_FILES:
        (dest/f).parent.mkdir(parents=True, exist_ok=True)
        if (src/f).is_dir(): shutil.copytree(src/f, dest/f)
        else: shutil.copy2(src/f, dest/f)
    return sum(p.stat().st_size for p in dest.rglob('*') if p.is_file())


BADGE = re.compile(r'(<a class="colab-badge" href="https://colab\.research\.google\.com/github/[^/"]+/[^/"]+/blob/[^/"]+/nbs/([^"]+\.ipynb)">'
                   r'<img [^>]*></a>)(?! <a class="notebook-download")')
DOWNLOAD = (' <a class="notebook-download" href="{href}" download><i class="bi bi-download" aria-hidden="true"></i>'
            ' Download the notebook</a>')


def add_download(html:str, to_root:str) -> str:
    "`html` with a link to download its notebook (the site's copy, under `to_root`notebooks/) after its Colab badge"
    return BADGE.sub(lambda m: m.group(1) + DOWNLOAD.format(href=f'{to_root}notebooks/{m.group(2)}'), html)


def strip_cdn(html:str) -> str:
    "`html` without the CDN scripts of `CDN_SCRIPTS`"
    for pat in CDN_SCRIPTS: html = pat.sub('', html)
    return html


def copy_notebooks(site:Path, nbs:Path=ROOT/'nbs') -> list:
    "Copy each notebook of `nbs` (the sources, with their saved outputs) into `site`/notebooks/, at the same path: its page's download link"
    copied = []
    for nb in sorted(nbs.rglob('*.ipynb')):
        rel = nb.relative_to(nbs)
        if any(part.startswith(('.', '_')) for part in rel.parts): continue  # checkpoints, _proc
        (site/'notebooks'/rel).parent.mkdir(parents=True, exist_ok=True)
        copied.append(Path(shutil.copy2(nb, site/'notebooks'/rel)))
    return copied


def post_render(site:Path) -> list:
    "Take the CDN scripts out of every HTML page of `site`, copy the notebooks beside their pages; the pages that still load something from another host"
    copy_notebooks(site)
    foreign = []
    for page in sorted(site.rglob('*.html')):
        text = page.read_text(encoding='utf-8')
        new = add_download(strip_cdn(text), '../'*(len(page.relative_to(site).parts) - 1))
        if new != text: page.write_text(new, encoding='utf-8')
        foreign += [f'{page.relative_to(site)}: {m.group(0)[:160]}' for m in FOREIGN.finditer(new)]
    return foreign


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--post-render', nargs='?', const='', metavar='SITE',
                   help="clean the rendered pages of SITE (default: Quarto's $QUARTO_PROJECT_OUTPUT_DIR, else _docs)")
    args = p.parse_args(argv)
    if args.post_render is None:
        n = copy_mathjax()
        print(f"build_site_assets: MathJax ({n/1e6:.1f} MB) copied into {(ASSETS/'mathjax').relative_to(ROOT)}")
        return
    site = Path(args.post_render or os.environ.get('QUARTO_PROJECT_OUTPUT_DIR') or ROOT/'_docs').resolve()
    if not site.is_dir(): sys.exit(f"build_site_assets: no site in {site}")
    foreign = post_render(site)
    # a warning, not a failure: the browser tests (tests/browser/test_offline.py) are the check
    if foreign: print("build_site_assets: WARNING: pages that load from another host:\n" + '\n'.join(foreign), file=sys.stderr)


if __name__ == '__main__': main()
