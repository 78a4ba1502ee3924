"""Shared fixtures of the browser tests: the built site served on loopback, and a headless Chromium.

Run after `nbdev-docs`: `pytest tests/browser` (the site is read from `_docs/`, or from `$DIGITCLF_SITE`).
Chromium is Debian's `/usr/bin/chromium` where it exists (Playwright cannot download its own browser
offline), else Playwright's own (`playwright install chromium`, as on GitHub Actions), or `$CHROMIUM`."""
import functools, os, re, threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get('DIGITCLF_SITE', REPO/'_docs'))
# Hosts the built pages may load from: none. MathJax is the site's own copy (tools/build_site_assets.py), Quarto's
# CDN scripts are taken out after rendering, the Colab badge is a local image (nbs/filters/colab_badge.lua), the
# theme's web font is turned off (offline.scss). Every request to another host is blocked and recorded (`Visit.foreign`).
ALLOWED_HOSTS = ()
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--no-first-run', '--disable-quic']


def chapters():
    "`[(notebook, sidebar text)]` in the order of `nbs/sidebar.yml`"
    def walk(items):
        for it in items:
            if 'contents' in it: yield from walk(it['contents'])
            else: yield it['href'], it['text']
    return list(walk(yaml.safe_load((REPO/'nbs/sidebar.yml').read_text())['website']['sidebar']['contents']))


def page_name(notebook):
    "The HTML page nbdev makes of `notebook`: its path without the number prefix (`appendix/02_catalog.ipynb` -> `appendix/catalog.html`)"
    nb = Path(notebook)
    return str(nb.parent/(re.sub(r'^\d+[a-z]?_', '', nb.stem) + '.html')).removeprefix('./')


PAGES = [(nb, page_name(nb)) for nb, _ in chapters()]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args): pass


class _Server(ThreadingHTTPServer):
    "The site's server: a browser that closes a page while a file is on its way is no error of the site's"
    def handle_error(self, request, client_address):
        import sys
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)): super().handle_error(request, client_address)


@pytest.fixture(scope='session')
def site_url():
    "The built site, served on a free loopback port for the whole session"
    if not (SITE/'index.html').exists(): pytest.fail(f"no built site in {SITE}: run nbdev-docs first")
    srv = _Server(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(SITE)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{srv.server_address[1]}'
    srv.shutdown()


@pytest.fixture(scope='session')
def browser():
    "A headless Chromium"
    from playwright.sync_api import sync_playwright
    exe = os.environ.get('CHROMIUM') or ('/usr/bin/chromium' if Path('/usr/bin/chromium').exists() else None)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


def is_local(url, site_url): return url.startswith(site_url) or url.startswith(('data:', 'blob:', 'about:'))


class Visit:
    """A page opened in a fresh browser context, with every console error, page error and failed request recorded;
    every request to another host is blocked before it leaves, and recorded in `foreign`"""
    def __init__(self, browser, site_url, path, width=1280, height=900, dark=False):
        self.ctx = browser.new_context(viewport={'width': width, 'height': height})
        if dark: self.ctx.add_init_script("localStorage.setItem('quarto-color-scheme', 'alternate')")  # Quarto's toggle, set
        self.foreign = []
        def _route(route):
            if is_local(route.request.url, site_url): return route.continue_()
            self.foreign.append(route.request.url)
            return route.abort('blockedbyclient')
        self.ctx.route('**/*', _route)
        self.page = self.ctx.new_page()
        self.errors, self.requests = [], []
        self.page.on('console', lambda m: m.type == 'error' and self.errors.append((m.text, m.location.get('url', ''))))
        self.page.on('pageerror', lambda e: self.errors.append((str(e), '')))
        self.page.on('requestfailed', lambda r: self.errors.append((f'request failed: {r.failure}', r.url)))
        self.page.on('request', lambda r: self.requests.append(r.url))
        self.site_url = site_url
        self.page.goto(f'{site_url}/{path}', wait_until='load')

    def settle(self, ms=500):
        "Give the page's scripts a moment after `load` (no `networkidle`: requests to unreachable hosts keep it busy)"
        self.page.wait_for_timeout(ms)

    def own_errors(self):
        "Errors that come from the site's own files, not from an unreachable host it is allowed to use"
        from urllib.parse import urlparse
        allowed = lambda url: bool(url) and urlparse(url).hostname in ALLOWED_HOSTS
        # Quarto loads require.js from cdn.jsdelivr.net on pages with HTML outputs; offline, its inline
        # `define('jquery', ...)` then fails: a consequence of the unreachable CDN, not of the page
        no_require = any(allowed(url) and 'requirejs' in url for _, url in self.errors)
        return [(msg, url) for msg, url in self.errors
                if not allowed(url) and not (no_require and 'define is not defined' in msg)
                and not (url in self.foreign and 'blockedbyclient' in msg.lower())]  # counted in `foreign`, its own check

    def close(self): self.ctx.close()


@pytest.fixture
def visit(browser, site_url):
    "`visit(path, width=..., height=...)` opens a page; every context is closed after the test"
    opened = []
    def _visit(path, **kw):
        v = Visit(browser, site_url, path, **kw); opened.append(v); return v
    yield _visit
    for v in opened: v.close()


def settle_page(v, ms=300):
    "Wait until MathJax (if the page loads it) has typeset the page, then a moment for the page's other scripts"
    v.page.evaluate("""async () => { for (let i = 0; i < 100 && window.MathJax && !MathJax.startup?.promise; i++)
                                       await new Promise(r => setTimeout(r, 50));
                                     if (window.MathJax?.startup?.promise) await MathJax.startup.promise; }""")
    v.settle(ms)


def page_fixture(scope='module', **kw):
    """A fixture parametrized by the book's pages: each page is opened once (with `kw`, e.g. `width`, `dark`) for all
    the tests of a module (or, with `scope='session'`, of every module) that use it; pytest runs those tests
    together, page by page"""
    @pytest.fixture(scope=scope, params=PAGES, ids=[p for _, p in PAGES])
    def _page(request, browser, site_url):
        nb, page = request.param
        v = Visit(browser, site_url, page, **kw)
        settle_page(v)
        v.nb, v.name = nb, page
        yield v
        v.close()
    return _page


# Each page is opened twice in the whole run, each time for the checks of two modules (test_a11y.py's run first, on
# the page as it loaded), instead of four times:
# - at 1280 px in the light theme: the site's desktop checks (test_site.py) and the light theme's accessibility check;
# - at a phone's width in the dark theme, as many phones show it: that the page does not scroll sideways
#   (test_site.py) and the dark theme's accessibility check.
PHONE = dict(width=390, height=844)
desktop = page_fixture(scope='session')
phone = page_fixture(scope='session', dark=True, **PHONE)
