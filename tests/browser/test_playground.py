"""The playground page ("Draw a digit", chapter 10) in a real browser, on the built site.

300 image files go through its file input: 200 MNIST test digits, and 100 photo-like ones (`digitclf.photos.photo_like`:
dark ink on tinted paper, RGB, larger, off centre, under uneven light; one in ten over 1024 pixels wide). The page's
28x28 image must be the one `digitclf`'s conversion makes of the same file, and its CNN must answer what
`digitclf predict --model cnn --data full` answers
(same weights: both read the model cache, `$DIGITCLF_DATA`). Then a mouse draws a 1, a 0 and a 7. Throughout:
no console error, no request to any host but the local server, each answer within 500 ms of a change.
Run after `tools/build_playground.py` and `nbdev-docs`: `pytest tests/browser/test_playground.py`."""
import subprocess, sys, time
from urllib.parse import urlparse

import numpy as np
import pytest
from PIL import Image
from conftest import SITE

PAGE = 'playground.html'
MODELS = ('cnn', 'pixel', 'pixel-l2', 'pixel-3-7')  # the page's `data-model`s
N_MNIST, N_PHOTOS = 200, 100
UPDATE_MS = 500  # each answer shows within this of a change
COLAB_BADGE = 'https://colab.research.google.com/assets/colab-badge.svg'


@pytest.fixture(scope='module')
def digit_files(tmp_path_factory):
    "300 PNG files: MNIST test digits as they are, then photo-like ones made of other test digits (one in ten over 1024 pixels wide)"
    from digitclf.data import mnist_arrays
    from digitclf.photos import photo_like
    d, images = tmp_path_factory.mktemp('digits'), mnist_arrays()['test_images']
    files = []
    for i in range(N_MNIST):
        files.append(d/f'mnist-{i:03d}.png'); Image.fromarray(images[i]).save(files[-1])
    for i in range(N_PHOTOS):
        img = photo_like(images[N_MNIST + i]/255, seed=i)
        if i % 10 == 0: img = img.resize((5*img.width, 5*img.height), Image.Resampling.BICUBIC)  # a big photo: reduced first
        files.append(d/f'photo-{i:03d}.png'); img.save(files[-1])
    return files


@pytest.fixture(scope='module')
def python_answers(digit_files):
    "What the library makes of each file: `digitclf predict`'s digit (one run over all the files), the 28x28 image, the pixel model's digit"
    out = subprocess.run([sys.executable, '-m', 'digitclf.cli', 'predict', '--model', 'cnn', '--data', 'full', *map(str, digit_files)],
                         capture_output=True, text=True, check=True).stdout
    predicted = {line.split('\t')[0]: int(line.split('\t')[1]) for line in out.splitlines()}
    import torch
    from digitclf.photos import read_digit
    from digitclf.model_cache import get_model
    from digitclf.models import predict
    x = torch.stack([read_digit(f) for f in digit_files])
    pixel = get_model('pixel', 'full', device='cpu')[0]
    return dict(cnn=[predicted[str(f)] for f in digit_files], images=x.numpy(), pixel=predict(pixel, x)[0].tolist())


class Playground:
    "The page, opened in a fresh context, with its console errors and every URL it requested recorded"
    def __init__(self, browser, site_url, width=1280, height=900):
        if not (SITE/PAGE).exists(): pytest.fail(f"no {PAGE} in {SITE}: run tools/build_playground.py, then nbdev-docs")
        self.ctx = browser.new_context(viewport={'width': width, 'height': height})
        self.page = p = self.ctx.new_page()
        self.errors, self.requests = [], []
        # the page itself needs nothing from another host; the one image it shows from one is the book's
        # "Open in Colab" badge, on every page (test_site.py allows it), which an offline reader sees as its alt text
        own = lambda url: urlparse(url).path != '/favicon.ico' and url != COLAB_BADGE
        p.on('console', lambda m: m.type in ('error', 'warning') and own(m.location.get('url', '')) and self.errors.append(f'{m.type}: {m.text}'))
        p.on('pageerror', lambda e: self.errors.append(f'page error: {e}'))
        p.on('requestfailed', lambda r: own(r.url) and self.errors.append(f'request failed: {r.url} {r.failure}'))
        p.on('request', lambda r: self.requests.append(r.url))
        p.goto(f'{site_url}/{PAGE}', wait_until='load')
        p.wait_for_selector('#playground[data-state=ready]', state='attached', timeout=20_000)
        self.load_ms = p.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")  # since navigation started
        self.ready_ms = int(p.get_attribute('#playground', 'data-ready-ms'))  # the models loaded, on the same clock
        self.pixel_ms = int(p.get_attribute('#playground', 'data-pixel-ms'))  # the pixel models alone
        self.host = urlparse(site_url).netloc

    def answers(self) -> dict:
        "Each model's `data-digit`: its answer, or '' when there is nothing to classify"
        return self.page.evaluate("""models => Object.fromEntries(models.map(m =>
            [m, document.querySelector(`[data-model="${m}"]`).dataset.digit]))""", list(MODELS))

    def mnist_input(self) -> np.ndarray:
        "The 28x28 image the page shows as its models' input, in [0,1], light ink on black (it is drawn dark on white)"
        rgba = self.page.evaluate("""() => Array.from(document.getElementById('mnist-input').getContext('2d')
                                         .getImageData(0, 0, 28, 28).data)""")
        return 1 - np.array(rgba, np.float32).reshape(28, 28, 4)[..., 0]/255

    def updates(self) -> int: return int(self.page.get_attribute('#playground', 'data-updates') or 0)

    def wait_update(self, after:int, source:str|None=None) -> float:
        "Wait until the page has classified every change, in an update later than the `after`-th (from `source`, if given): its seconds"
        start = time.perf_counter()
        self.page.wait_for_function("""([after, source]) => { const r = document.getElementById('playground');
            return Number(r.dataset.updates) > after && !r.dataset.busy && (source === null || r.dataset.source === source); }""",
            arg=[after, source], timeout=10_000)
        return time.perf_counter() - start

    def draw(self, *strokes):
        "Draw `strokes` with the mouse, each a list of points as fractions (x, y) of the square"
        box = self.page.locator('#draw').bounding_box()
        at = lambda fx, fy: (box['x'] + fx*box['width'], box['y'] + fy*box['height'])
        for stroke in strokes:
            self.page.mouse.move(*at(*stroke[0]))
            self.page.mouse.down()
            for pt in stroke[1:]: self.page.mouse.move(*at(*pt), steps=4)
            self.page.mouse.up()

    def foreign_requests(self) -> list:
        return [u for u in self.requests if urlparse(u).netloc not in (self.host, '') and u != COLAB_BADGE]


@pytest.fixture(scope='module')
def playground(browser, site_url):
    pg = Playground(browser, site_url)
    yield pg
    pg.ctx.close()


def test_page_loads_fast(playground):
    "The page loads within 2 s, its pixel models answer within 2 s, the CNN (onnxruntime-web's 14 MB of WebAssembly) within 4 s"
    print(f"\nplayground: load event {playground.load_ms:.0f} ms, pixel models ready {playground.pixel_ms} ms, "
          f"CNN ready {playground.ready_ms} ms after navigation")
    assert playground.load_ms < 2000
    assert playground.pixel_ms < 2000
    assert playground.ready_ms < 4000
    assert playground.answers() == {m: '' for m in MODELS}  # a blank square: nothing to classify


def _longer_side(path):
    with Image.open(path) as img: return max(img.size)


def test_files_as_the_library_sees_them(playground, digit_files, python_answers):
    "The page's 28x28 image and CNN answer for each of 300 files are `digitclf`'s"
    page, cnn, pixel, diffs, waits = playground.page, [], [], [], []
    for i, f in enumerate(digit_files):
        n = playground.updates()
        page.set_input_files('#photo', str(f))
        waits.append(playground.wait_update(n, f.name))
        got = playground.answers()
        cnn.append(got['cnn'] == str(python_answers['cnn'][i]))
        pixel.append(got['pixel'] == str(python_answers['pixel'][i]))
        diffs.append(np.abs(playground.mnist_input() - python_answers['images'][i]).mean())
    diffs, waits = np.array(diffs), np.array(waits)
    big = np.array([_longer_side(f) > 1024 for f in digit_files])
    print(f"\nplayground, {len(digit_files)} files ({N_MNIST} MNIST, {N_PHOTOS} photo-like): CNN agrees with digitclf predict "
          f"on {100*np.mean(cnn):.1f}%, pixel similarity on {100*np.mean(pixel):.1f}%; 28x28 images: mean abs difference "
          f"{diffs.mean():.5f} (largest {diffs.max():.5f}); update {1000*np.median(waits):.0f} ms median, slowest "
          f"{1000*waits[~big].max():.0f} ms, {1000*waits[big].max():.0f} ms for a photo over 1024 pixels")
    assert np.mean(cnn) >= 0.99 and np.mean(pixel) >= 0.99
    assert diffs.max() < 0.05
    assert waits[~big].max() < UPDATE_MS/1000
    assert waits[big].max() < 2*UPDATE_MS/1000  # decoding a photo of millions of pixels takes most of it


STROKES = {
    '1': [[(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)]],
    '0': [[(0.5 + 0.22*np.sin(t), 0.5 - 0.33*np.cos(t)) for t in np.linspace(0, 2*np.pi, 25)]],
    '7': [[(0.25, 0.2), (0.75, 0.2)], [(0.75, 0.2), (0.6, 0.5), (0.45, 0.85)]],
}

@pytest.mark.parametrize('digit', list(STROKES))
def test_drawn_digits(playground, digit):
    "A mouse draws the digit: the CNN reads it, within 500 ms; clear empties every answer, within 500 ms"
    playground.page.click('#clear')
    n = playground.updates()
    playground.draw(*STROKES[digit])
    assert playground.wait_update(n, 'drawing') < UPDATE_MS/1000  # from the mouse's last move to the last answer
    assert playground.answers()['cnn'] == digit
    assert playground.mnist_input().max() > 0.5
    n = playground.updates()
    playground.page.click('#clear')
    assert playground.wait_update(n) < UPDATE_MS/1000
    assert playground.answers() == {m: '' for m in MODELS}
    assert playground.mnist_input().max() == 0


def test_no_errors_and_no_other_host(playground):
    "After everything above: no console error or warning, no page error, no failed request, nothing asked of another host"
    assert playground.errors == []
    assert playground.foreign_requests() == []


def test_pixel_answers_before_the_cnn(browser, site_url):
    """The pixel models answer from models.json alone: with onnxruntime-web's WebAssembly held back (a slow network),
    the page is ready for pixel similarity within 2 s, a drawn 1 gets its pixel answers, and the CNN says it is loading"""
    if not (SITE/PAGE).exists(): pytest.fail(f"no {PAGE} in {SITE}: run tools/build_playground.py, then nbdev-docs")
    ctx = browser.new_context(viewport={'width': 1280, 'height': 900})
    held = []
    ctx.route('**/*.wasm', lambda route: held.append(route))  # never answered while the test runs
    try:
        page = ctx.new_page()
        page.goto(f'{site_url}/{PAGE}', wait_until='load')
        page.wait_for_selector('#playground[data-state=pixel]', state='attached', timeout=5_000)
        assert int(page.get_attribute('#playground', 'data-pixel-ms')) < 2000
        pg = Playground.__new__(Playground)
        pg.page = page
        n = pg.updates()
        pg.draw(*STROKES['1'])
        pg.wait_update(n, 'drawing')
        got = pg.answers()
        assert got['pixel'] != '' and got['pixel-l2'] != '' and got['pixel-3-7'] != '', got
        assert got['cnn'] == '' and page.get_attribute('#playground', 'data-cnn') == 'loading'
        for _ in range(50):  # the CNN's loading starts right after the pixel models: its WebAssembly is asked for
            if held: break
            page.wait_for_timeout(100)
        assert held, "the page did not ask for onnxruntime-web's WebAssembly"
    finally:
        ctx.close()
