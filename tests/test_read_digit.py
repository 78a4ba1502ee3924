"""Robustness of reading pictures (chapter 8's `read_digit`, and chapter 9's `digitclf predict` on them), run by pytest:
damaged files of every format PIL writes, made by changing random bytes of good ones, never raise anything but
`ImageFileError`, and in the command each bad file costs one line on stderr, never the batch, never a traceback.
Deterministic (a fixed seed), about a minute on two busy cores, no training (the pixel model of the sample: from the cache, the
shipped weights, or trained in a second).
"""
import random, re, subprocess, sys, warnings

import numpy as np
import pytest
from PIL import Image

from digitclf.photos import ImageFileError, ImageFileWarning, read_digit

FORMATS = ('png', 'jpg', 'gif', 'tif', 'bmp', 'webp', 'ico', 'ppm', 'tga')

def _seven(size=(100, 100)) -> Image.Image:
    "A 7 drawn dark on light paper"
    img = Image.new('L', size, 235)
    from PIL import ImageDraw
    ImageDraw.Draw(img).line([(25, 20), (75, 20), (45, 85)], fill=30, width=9)
    return img

@pytest.fixture(scope='module')
def good(tmp_path_factory) -> dict:
    "One good file per format: {format: path}"
    d = tmp_path_factory.mktemp('good')
    paths = {}
    for fmt in FORMATS:
        img = _seven().convert('RGB' if fmt in ('jpg', 'ppm', 'webp') else 'L')
        paths[fmt] = d/f'seven.{fmt}'
        img.save(paths[fmt])
    floats = np.asarray(_seven(), np.float32)/255
    Image.fromarray(floats).save(d/'float.tif'); paths['float.tif'] = d/'float.tif'
    return paths

def _damaged(src, dest, rng, n):
    data = bytearray(src.read_bytes())
    for _ in range(n): data[rng.randrange(len(data))] = rng.randrange(256)
    dest.write_bytes(bytes(data))

def test_good_files_read(good):
    for fmt, path in good.items(): assert read_digit(path).shape == (28, 28), fmt

def test_damaged_files_raise_only_image_file_error(good, tmp_path):
    rng, seen = random.Random(0), {'read': 0, 'refused': 0}
    for i in range(300):
        fmt = list(good)[i % len(good)]
        path = tmp_path/f'damaged-{i}.{fmt.split(".")[-1]}'
        _damaged(good[fmt], path, rng, rng.choice([1, 2, 5, 20]))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            try: read_digit(path); seen['read'] += 1
            except ImageFileError as e:
                assert e.path == path and '\n' not in str(e), e
                seen['refused'] += 1
        others = [w for w in caught if not issubclass(w.category, ImageFileWarning)]
        assert not others, [str(w.message) for w in others]  # PIL's warnings come as one ImageFileWarning
        assert sum(issubclass(w.category, ImageFileWarning) for w in caught) <= 1
    assert seen['read'] and seen['refused'], seen

def test_truncated_files(good, tmp_path):
    for fmt, path in good.items():
        data = path.read_bytes()
        for n in (1, 8, 20, 60, len(data)//2, len(data) - 1):
            cut = tmp_path/f'cut-{n}-{path.name}'
            cut.write_bytes(data[:n])
            try: read_digit(cut)
            except ImageFileError: pass

@pytest.mark.parametrize('value, name', [(np.nan, '1 NaN'), (np.inf, '1 +inf'), (-np.inf, '1 -inf')])
def test_non_finite_pixels_refused_by_name(tmp_path, value, name):
    a = np.asarray(_seven(), np.float32)/255
    a[0, 0] = value
    Image.fromarray(a).save(tmp_path/'x.tif')
    with pytest.raises(ImageFileError, match=rf'has pixels that are not finite numbers \({re.escape(name)}\)'): read_digit(tmp_path/'x.tif')

def test_predict_one_line_per_bad_file(good, tmp_path):
    "In the command, a batch of good and damaged files: every good one predicted, one stderr line per bad one, no traceback"
    rng, names = random.Random(1), []
    for i in range(40):
        fmt = list(good)[i % len(good)]
        if i % 4 == 0: names.append(str(good[fmt]))
        else:
            path = tmp_path/f'bad-{i}.{fmt.split(".")[-1]}'
            _damaged(good[fmt], path, rng, 20)
            names.append(str(path))
    proc = subprocess.run([sys.executable, '-m', 'digitclf', 'predict', '--model', 'pixel', '--data', 'sample', *names],
                          capture_output=True, text=True, timeout=300)
    assert 'Traceback' not in proc.stderr, proc.stderr
    printed = [line.split('\t')[0] for line in proc.stdout.splitlines()]
    assert all(str(good[fmt]) in printed for fmt in list(good)[::4]), printed
    errors = [l for l in proc.stderr.splitlines() if l.startswith('digitclf: error: ')]
    assert len(printed) + len(errors) == len(names), (len(printed), len(errors), proc.stderr)
    assert proc.returncode == (2 if errors else 0)


@pytest.mark.parametrize('name, problem', [('no-such.png', 'no such file'), ('a\0b.png', 'cannot be read (embedded null byte)'), ('.', 'is a directory')])
def test_odd_names(name, problem):
    with pytest.raises(ImageFileError) as e: read_digit(name)
    assert e.value.path == name and e.value.problem.startswith(problem), e.value

def test_zero_pixels_and_tiny_pictures():
    from digitclf.photos import to_mnist, ImageContentError
    for size in ((0, 0), (0, 5), (5, 0)):
        with pytest.raises(ImageContentError, match='has no pixels'): to_mnist(Image.new('L', size))
    with pytest.raises(ImageContentError, match='no ink'): to_mnist(Image.new('L', (1, 1)))
    line = Image.new('L', (1, 50)); line.putpixel((0, 20), 255)
    assert to_mnist(line).shape == (28, 28)
