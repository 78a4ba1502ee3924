"""The built book as a reader meets it, in a real browser: every page loads cleanly and offline (nothing asked of
another host, its math typeset by the site's own MathJax), its images and links work, its title is the same in the
sidebar, its heading and its <title>, its Colab badge, notebook download and source link are right, search finds
what a reader looks for, its outputs fit their boxes and its figures are shown near the size they were drawn, and
nothing overflows a phone's width. Each page is opened once for the desktop checks and once at a phone's width
(in the dark theme), both shared with the accessibility checks (conftest.py)."""
import re
from pathlib import Path
from urllib.parse import urldefrag, urlparse
from urllib.request import urlopen

import pytest
from conftest import PAGES, PHONE, REPO, SITE, chapters, is_local

REPO_URL = 'https://github.com/digitclf/digitclf'
FIGURE_SHOWN_AT_LEAST = 0.7  # a figure shown smaller than this fraction of its drawn width has text smaller than the body's

# `desktop` (each page 1280 px wide, light theme) and `phone` (390 px, dark theme): conftest.py, shared with test_a11y.py


def test_every_notebook_is_a_page_in_the_sidebar():
    "Each notebook of nbs/ and nbs/appendix/ is in the sidebar exactly once, and was rendered"
    nbs = sorted(str(p.relative_to(REPO/'nbs')) for p in [*(REPO/'nbs').glob('*.ipynb'), *(REPO/'nbs').glob('appendix/*.ipynb')])
    assert sorted(nb for nb, _ in PAGES) == nbs
    for nb, page in PAGES: assert (SITE/page).is_file(), f"{nb} was not rendered as {page}"


def test_sidebar_in_book_order(visit):
    "The sidebar lists the home page, the chapters 0, 1, 2... and the appendix A, B, C..., in the order of their files"
    v = visit('index.html')
    links = v.page.eval_on_selector_all('#quarto-sidebar a.sidebar-link[href]',
                                        'els => els.map(e => [e.getAttribute("href"), e.innerText.trim()])')
    assert [urlparse(h).path.lstrip('./') or 'index.html' for h, _ in links] == [p for _, p in PAGES]
    chapters_ = [(nb, t) for nb, t in chapters() if not nb.startswith('appendix/') and nb != 'index.ipynb']
    appendix = [(nb, t) for nb, t in chapters() if nb.startswith('appendix/')]
    assert [int(t.split('. ')[0]) for _, t in chapters_] == list(range(len(chapters_)))
    for nb, t in chapters_: assert nb.startswith(f"{int(t.split('. ')[0]):02d}_"), (nb, t)
    assert [t.split('. ')[0] for _, t in appendix] == [chr(ord('A') + i) for i in range(len(appendix))]
    for i, (nb, _) in enumerate(appendix): assert nb.startswith(f'appendix/{i + 1:02d}_'), nb


def test_one_title_per_page(desktop):
    "The page's title is the same in the sidebar, in its heading and in its <title> (`TITLE – digitclf`)"
    plain = lambda t: t.replace('\u2019', "'").strip()  # pandoc's typographic apostrophe, as typed
    text = plain(dict(chapters())[desktop.nb])
    heading = plain(desktop.page.inner_text('#title-block-header h1.title'))
    title = plain(desktop.page.title())
    assert heading == text, f"heading {heading!r}, sidebar {text!r}"
    assert title.startswith(text) or title == text, f"<title> {title!r}, sidebar {text!r}"


def test_page_loads_without_errors(desktop):
    assert desktop.own_errors() == []


def test_nothing_from_another_host(desktop):
    "Every request to another host is blocked and recorded: there must be none (MathJax, fonts, badge: all the site's own)"
    assert desktop.foreign == []


def test_math_typeset(desktop):
    "Every formula is typeset by MathJax: no TeX left in the text a reader sees"
    p = desktop.page
    n_math = p.evaluate("document.querySelectorAll('main span.math').length")
    n_typeset = p.evaluate("document.querySelectorAll('main mjx-container').length")
    if n_math: assert n_typeset >= n_math, f"{n_math} formulas, {n_typeset} typeset"
    # the text of the page outside code, outputs and typeset math
    text = p.evaluate("""() => { const m = document.querySelector('main').cloneNode(true);
        m.querySelectorAll('pre, code, mjx-container, .cell-output, .cell-output-display, script, style').forEach(e => e.remove());
        return m.innerText; }""")
    raw = re.findall(r'\\(?:frac|sqrt|sum|mathbf|text|left|right|cdot|times)\b|\$[^$\n]{1,80}\$|\\\(|\\\[', text)
    assert raw == [], f"raw TeX in {desktop.name}: {raw[:5]}"


def test_local_images_load(desktop):
    broken = desktop.page.evaluate("""() => [...document.images]
        .filter(i => i.src.startsWith(location.origin) && !(i.complete && i.naturalWidth > 0)).map(i => i.src)""")
    assert broken == []


def test_local_links_resolve(desktop, site_url):
    "Every link to the site itself reaches a file, and every #anchor exists on its page"
    v = desktop
    hrefs = set(v.page.eval_on_selector_all('a[href]', 'els => els.map(e => e.href)'))
    local = {h for h in hrefs if is_local(h, site_url) and h.startswith('http')}
    anchors = {}
    for h in local:
        url, frag = urldefrag(h)
        url = url.split('?')[0]
        if frag: anchors.setdefault(url, set()).add(frag)
    for url in {urldefrag(h)[0].split('?')[0] for h in local}:
        with urlopen(url) as r: assert r.status == 200, url
    here = f'{site_url}/{v.name}'
    missing = [f for f in anchors.get(here, ()) if not v.page.query_selector(f'[id="{f}"]')]
    assert missing == []


def test_colab_badge_download_and_source_link(desktop, site_url):
    "The Colab badge (the site's own image, inline, not a figure) and 'View source' open this page's notebook, under nbs/; it downloads from the page"
    p, nb = desktop.page, desktop.nb
    colab = p.eval_on_selector_all('a[href*="colab.research.google.com"]', 'els => els.map(e => e.href)')
    assert set(colab) == {f'https://colab.research.google.com/github/digitclf/digitclf/blob/main/nbs/{nb}'}, colab
    badge = p.eval_on_selector_all('a[href*="colab.research.google.com"] img',
                                   'els => els.map(e => [e.src, e.alt, !!e.closest("figure, .quarto-figure")])')
    assert badge and all(src.startswith(site_url) and src.endswith('/assets/colab-badge.svg') and alt == 'Open In Colab' and not fig
                         for src, alt, fig in badge), badge
    download = p.eval_on_selector_all('a.notebook-download', 'els => els.map(e => e.href)')
    assert download == [f"{site_url}/notebooks/{nb}"], download
    with urlopen(download[0]) as r: assert r.status == 200 and b'"cells"' in r.read()
    source = p.eval_on_selector_all('a.toc-action', 'els => els.map(e => e.href)')
    assert f'{REPO_URL}/blob/main/nbs/{nb}' in source, source


def test_output_tables_readable(desktop):
    "Output tables are at least as large as the body text; only the shaded pixel tables (ids T_...) are smaller"
    p = desktop.page
    body = p.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    sizes = p.eval_on_selector_all('.cell-output-display table:not([id^="T_"]) td',
                                   'els => els.map(e => parseFloat(getComputedStyle(e).fontSize))')
    assert all(s >= body for s in sizes), (min(sizes), body)


def test_no_machine_paths_warnings_or_progress_leftovers(desktop):
    "The saved outputs shown in the book hold no path of the machine that ran them, no warning, no bar's leftovers"
    text = desktop.page.inner_text('main')
    for pat in [r'/root/', r'/tmp/', r'/home/', r'/work/', r'\bWarning:', r'warnings\.warn', r'\x1b\[',
                r'Traceback \(most recent call last\)', r'\d+\.\d+% \[', r'\|█']:
        assert not re.search(pat, text), f"{pat!r} in {desktop.name}: ...{text[max(0, re.search(pat, text).start() - 80):][:200]}..."


def test_text_outputs_fit(desktop):
    "At 1280 px every printed output wraps inside its box: none is wider than the box that shows it"
    wide = desktop.page.evaluate("""() => [...document.querySelectorAll('main .cell-output pre, main .cell-output-stdout pre, main .cell-output-stderr pre')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => [e.scrollWidth, e.clientWidth, e.innerText.slice(0, 80)])""")
    assert wide == [], wide


def test_scrolling_regions_reachable_by_keyboard(desktop):
    "Whatever scrolls inside the page (a wide table, a long code line) can be reached with the Tab key"
    unreachable = desktop.page.evaluate("""() => [...document.querySelectorAll('main *')].filter(e => {
        const s = getComputedStyle(e);
        return ((/(auto|scroll)/.test(s.overflowX) && e.scrollWidth > e.clientWidth + 1)
             || (/(auto|scroll)/.test(s.overflowY) && e.scrollHeight > e.clientHeight + 1)) && e.tabIndex < 0
             && !e.querySelector('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])'); })
        .map(e => e.tagName + '.' + e.className)""")
    assert unreachable == [], unreachable


def test_copy_button_clears_first_line(desktop):
    "The copy button of a code block never covers its text: the block keeps a right padding at least as wide as the button"
    covered = desktop.page.evaluate("""() => [...document.querySelectorAll('main pre.code-with-copy, main div.sourceCode > pre')].map(pre => {
        const btn = pre.parentElement.querySelector('.code-copy-button') || pre.querySelector('.code-copy-button');
        if (!btn) return null;
        const b = btn.getBoundingClientRect(), r = pre.getBoundingClientRect(), pad = parseFloat(getComputedStyle(pre).paddingRight);
        return r.right - pad > b.left + 1 ? [pre.innerText.split('\\n')[0].slice(0, 60), Math.round(r.right - pad - b.left)] : null;
    }).filter(x => x)""")
    assert covered == [], covered


def png_dpi(path) -> float|None:
    "The resolution a PNG file records (its pHYs chunk), in dots per inch; None if it records none"
    import struct
    data = Path(path).read_bytes()
    i = 8
    while i + 8 <= len(data):
        n, kind = struct.unpack('>I', data[i:i+4])[0], data[i+4:i+8]
        if kind == b'pHYs':
            x, _, unit = struct.unpack('>IIB', data[i+8:i+17])
            return x*0.0254 if unit == 1 else None
        if kind == b'IDAT': return None
        i += 12 + n
    return None


def drawn_width(v, src, natural) -> float:
    """The width in CSS pixels (96 to the inch) a figure was drawn at: matplotlib's notebook figures are saved at twice
    their dpi (`retina`, 200 dpi for 100 dpi figures), so a 6.8-inch figure is a PNG of 1360 pixels, meant for 653 CSS px"""
    from urllib.parse import urljoin, urlparse
    url = urlparse(urljoin(v.page.url, src))
    path = SITE/url.path.lstrip('/')
    dpi = png_dpi(path) if path.suffix == '.png' and path.exists() else None
    return natural*96/dpi if dpi else natural


def figures_shown_small(v):
    "`[(image, shown px, drawn px)]` of the output figures shown at less than FIGURE_SHOWN_AT_LEAST of their drawn width"
    shown = v.page.evaluate("""() => [...document.querySelectorAll('main .cell-output-display img, main .quarto-figure img')]
        .filter(i => i.naturalWidth > 0 && !i.closest('a.colab-badge'))
        .map(i => [i.getAttribute('src'), Math.round(i.getBoundingClientRect().width), i.naturalWidth])""")
    sized = [(src, w, round(drawn_width(v, src, natural))) for src, w, natural in shown]
    return [(src, w, drawn) for src, w, drawn in sized if w < FIGURE_SHOWN_AT_LEAST*drawn]


def test_figures_shown_at_their_size(desktop):
    f"""At 1280 px no figure is shown at less than {FIGURE_SHOWN_AT_LEAST:.0%} of the width it was drawn at (its text would
    read smaller than the body's): draw it smaller (`figsize`) or in fewer columns"""
    small = figures_shown_small(desktop)
    assert small == [], '\n'.join(f"{desktop.nb}: {src} shown {shown} px of {drawn} ({shown/drawn:.0%})" for src, shown, drawn in small)


def test_phone_width(phone):
    "At a phone's width (390 px) the page itself does not scroll sideways (wide outputs scroll in their own box)"
    width = phone.page.evaluate('document.documentElement.scrollWidth')
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
