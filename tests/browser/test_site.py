"""The built book as a reader meets it, in a real browser: every page loads cleanly, its images and links
work, its sidebar, Colab badge and source link are right, search finds what a reader looks for, output
tables are readable, and nothing overflows a phone's width."""
import re
from urllib.parse import urldefrag, urlparse
from urllib.request import urlopen

import pytest
from conftest import PAGES, REPO, SITE, chapters, is_local, page_name

REPO_URL = 'https://github.com/digitclf/digitclf'
PHONE = dict(width=390, height=844)
pages = pytest.mark.parametrize('nb,page', PAGES, ids=[p for _, p in PAGES])


def test_every_notebook_is_a_page_in_the_sidebar():
    "Each notebook of nbs/ is in the sidebar exactly once, and was rendered"
    nbs = sorted(p.name for p in (REPO/'nbs').glob('*.ipynb'))
    assert sorted(nb for nb, _ in PAGES) == nbs
    for nb, page in PAGES: assert (SITE/page).is_file(), f"{nb} was not rendered as {page}"


def test_sidebar_in_chapter_order(visit):
    "The sidebar lists the preface, then chapter 0, 1, 2... each named once, as its page's title"
    v = visit('index.html')
    links = v.page.eval_on_selector_all('#quarto-sidebar a.sidebar-link[href]',
                                        'els => els.map(e => [e.getAttribute("href"), e.innerText.trim()])')
    assert [urlparse(h).path.lstrip('./') or 'index.html' for h, _ in links] == [p for _, p in PAGES]
    numbers = [int(m.group(1)) for _, t in links if (m := re.match(r'(\d+)\. ', t))]
    assert numbers == list(range(len(PAGES) - 1)), numbers
    for (nb, text), (_, shown) in zip(chapters(), links):
        if nb != 'index.ipynb': assert nb.startswith(f'{int(text.split(".")[0]):02d}_'), (nb, text)


@pages
def test_page_loads_without_errors(visit, nb, page):
    v = visit(page)
    v.settle()
    assert v.own_errors() == []


@pages
def test_local_images_load(visit, nb, page):
    v = visit(page)
    v.settle()
    broken = v.page.evaluate("""() => [...document.images]
        .filter(i => i.src.startsWith(location.origin) && !(i.complete && i.naturalWidth > 0)).map(i => i.src)""")
    assert broken == []


@pages
def test_local_links_resolve(visit, site_url, nb, page):
    "Every link to the site itself reaches a file, and every #anchor exists on its page"
    v = visit(page)
    hrefs = set(v.page.eval_on_selector_all('a[href]', 'els => els.map(e => e.href)'))
    local = {h for h in hrefs if is_local(h, site_url) and h.startswith('http')}
    anchors = {}
    for h in local:
        url, frag = urldefrag(h)
        url = url.split('?')[0]
        if frag: anchors.setdefault(url, set()).add(frag)
    for url in {urldefrag(h)[0].split('?')[0] for h in local}:
        with urlopen(url) as r: assert r.status == 200, url
    here = f'{site_url}/{page}'
    missing = [f for f in anchors.get(here, ()) if not v.page.query_selector(f'[id="{f}"]')]
    assert missing == []


@pages
def test_colab_badge_and_source_link(visit, nb, page):
    "The Colab badge and 'View source' open this page's own notebook, under nbs/"
    v = visit(page)
    colab = v.page.eval_on_selector_all('a[href*="colab.research.google.com"]', 'els => els.map(e => e.href)')
    assert colab, "no Colab badge"
    assert set(colab) == {f'https://colab.research.google.com/github/digitclf/digitclf/blob/main/nbs/{nb}'}
    source = v.page.eval_on_selector_all('a.toc-action', 'els => els.map(e => e.href)')
    assert f'{REPO_URL}/blob/main/nbs/{nb}' in source, source


@pages
def test_output_tables_readable(visit, nb, page):
    "Output tables are at least as large as the body text; only the shaded pixel tables (ids T_...) are smaller"
    v = visit(page)
    body = v.page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    sizes = v.page.eval_on_selector_all('.cell-output-display table:not([id^="T_"]) td',
                                        'els => els.map(e => parseFloat(getComputedStyle(e).fontSize))')
    assert all(s >= body for s in sizes), (min(sizes), body)


@pages
def test_no_machine_paths_warnings_or_progress_leftovers(visit, nb, page):
    "The saved outputs shown in the book hold no path of the machine that ran them, no warning, no bar's leftovers"
    text = visit(page).page.inner_text('main')
    for pat in [r'/root/', r'/tmp/', r'/home/', r'/work/', r'\bWarning:', r'warnings\.warn', r'\x1b\[',
                r'Traceback \(most recent call last\)', r'\d+\.\d+% \[', r'\|█']:
        assert not re.search(pat, text), f"{pat!r} in {page}: ...{text[max(0, re.search(pat, text).start() - 80):][:200]}..."


@pages
def test_phone_width(visit, nb, page):
    "At a phone's width (390 px) the page itself does not scroll sideways (wide outputs scroll in their own box)"
    v = visit(page, **PHONE)
    v.settle()
    width = v.page.evaluate('document.documentElement.scrollWidth')
    assert width <= PHONE['width'], width


@pytest.mark.parametrize('query,expected', [('mnist_distance', 'pixel_similarity.html'), ('calorie', 'broadcasting.html')])
def test_search(visit, query, expected):
    "Typed into the search box as a reader would, a query finds its chapter"
    v = visit('index.html')
    v.page.click('#quarto-search .aa-DetachedSearchButton')
    v.page.keyboard.type(query, delay=30)
    v.page.wait_for_selector('.aa-Item a', timeout=10_000)
    hrefs = v.page.eval_on_selector_all('.aa-Item a', 'els => els.map(e => e.getAttribute("href"))')
    assert any(urlparse(h).path.lstrip('./') == expected for h in hrefs), hrefs
