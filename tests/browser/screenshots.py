"""Screenshots of the built site for a reader's eye (not a test): `python tests/browser/screenshots.py OUT [PAGE ...]`
takes each page (default: the home page and chapters 2, 5, 7, 10) at 1280 and 390 px, light and dark, the first
`--height` pixels of it, into OUT as PAGE-WIDTH-THEME.png. Serves `_docs/` (or $DIGITCLF_SITE) itself."""
import argparse, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import conftest
from conftest import Visit, settle_page

DEFAULT = ['index.html', 'pixel_similarity.html', 'sgd.html', 'full_mnist.html', 'playground.html']

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out', type=Path)
    p.add_argument('pages', nargs='*', default=DEFAULT)
    p.add_argument('--height', type=int, default=2400, help='pixels of each page, from its top (default 2400)')
    p.add_argument('--scroll', type=int, default=0, help='start this many pixels down the page')
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    import functools, os, threading
    from http.server import ThreadingHTTPServer
    from playwright.sync_api import sync_playwright
    srv = conftest._Server(('127.0.0.1', 0), functools.partial(conftest._Quiet, directory=str(conftest.SITE)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f'http://127.0.0.1:{srv.server_address[1]}'
    pw = sync_playwright().start()
    exe = os.environ.get('CHROMIUM') or ('/usr/bin/chromium' if Path('/usr/bin/chromium').exists() else None)
    browser = pw.chromium.launch(executable_path=exe, args=conftest.CHROMIUM_ARGS)
    try:
        for page in args.pages:
            for width in (1280, 390):
                for dark in (False, True):
                    v = Visit(browser, url, page, width=width, height=900, dark=dark)
                    settle_page(v, 800)
                    h = v.page.evaluate('document.documentElement.scrollHeight')
                    clip = dict(x=0, y=min(args.scroll, max(h - 100, 0)), width=width, height=min(args.height, h - min(args.scroll, max(h - 100, 0))))
                    name = f"{page.replace('/', '_').removesuffix('.html')}-{width}-{'dark' if dark else 'light'}.png"
                    v.page.screenshot(path=str(args.out/name), full_page=True, clip=clip)
                    print(args.out/name, f"foreign requests: {len(v.foreign)}", f"errors: {v.own_errors()[:3]}")
                    v.close()
    finally:
        browser.close(); pw.stop(); srv.shutdown()

if __name__ == '__main__': main()
