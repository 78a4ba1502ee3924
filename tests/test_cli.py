"""Robustness of the `digitclf` command (chapter 9), run by pytest: what needs real processes, many of them, or seconds.

- a named pipe given to `predict` is refused without being opened, in a real process: one line, status 2, no model fetched;
- a reader that closes the pipe before anything is written: status 141 and nothing on stderr;
- on 500 files the peak memory of the process is that of 5 files (Linux's count);
- a 10000x10000 picture costs a process little more memory than a small one, and a PNG bomb is refused in one line;
- a cache folder that holds someone else's things is used, never cleaned;
- on a terminal (a stand-in), a model from the package's shipped weights is named as such; in a pipe nothing is added; and
  what the command asks the library (`get_model`, `evaluate`): `say` unless `--json`, `retrain` with `--retrain`.

The chapter tells the story with one process or none; these tests are the ones it names. The pixel model of the
sample comes from the package's shipped weights (an empty cache of the tests' own): only one test trains it (a second),
and one fits kNN. About a minute on two busy cores.
"""
import io, os, struct, subprocess, sys, zlib
from contextlib import redirect_stderr, redirect_stdout
from unittest.mock import patch

import pytest
from PIL import Image, ImageDraw

import digitclf.model_cache as model_cache
from digitclf.cli import main
from digitclf.data import load_mnist
from digitclf.photos import photo_like

PIXEL = ('--model', 'pixel', '--data', 'sample')

def _on_paper(x, path, mode='RGB'):
    "Save the MNIST digit `x` as a picture of paper: dark on light, 5 times larger, on a 200x150 canvas (as chapter 9 does)"
    img = Image.fromarray(255 - (x*255).round().byte().numpy()).resize((140, 140), Image.Resampling.BICUBIC)
    canvas = Image.new(mode, (200, 150), 'white')
    canvas.paste(img.convert(mode), (30, 5))
    canvas.save(path)

@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    """Chapter 9's files, in a folder of their own: `good.png` (a 7), the first 3 and 7 of the test set on paper (RGB, RGBA)
    and as photos, `many/` (200 names of those 6 pictures), `bad/pipe.png` (a named pipe), and `cache/`, empty"""
    d = tmp_path_factory.mktemp('cli')
    x_test, y_test = load_mnist('test')
    _on_paper(x_test[0], d/'good.png')
    files = []
    for digit in (3, 7):
        i = int((y_test == digit).nonzero()[0])
        _on_paper(x_test[i], d/f'{digit}-RGB.png'); _on_paper(x_test[i], d/f'{digit}-RGBA.png', 'RGBA')
        photo_like(x_test[i], seed=i).save(d/f'{digit}-photo.jpg')
        files += [f'{digit}-RGB.png', f'{digit}-RGBA.png', f'{digit}-photo.jpg']
    (d/'many').mkdir()
    for i in range(200): os.link(d/files[i % len(files)], d/'many'/f'{i:03}.png')  # 200 names, 6 pictures
    (d/'bad').mkdir()
    os.mkfifo(d/'bad'/'pipe.png')
    (d/'cache').mkdir()
    return d

def _env(folder) -> dict: return os.environ | dict(DIGITCLF_DATA=str(folder/'cache'))

def _command(folder, *args, **kwargs) -> subprocess.CompletedProcess:
    "`python -m digitclf ARGS` in a new process, in `folder` with its cache"
    return subprocess.run([sys.executable, '-m', 'digitclf', *map(str, args)], capture_output=True, cwd=folder, env=_env(folder), **kwargs)

PEAK_CODE = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")

def _peak_mib(folder, *args) -> int:
    "The peak resident memory, in MiB, of `python -m digitclf ARGS` (Linux counts it in KiB)"
    proc = subprocess.run([sys.executable, '-c', PEAK_CODE, sys.executable, '-m', 'digitclf', *args],
                          cwd=folder, env=_env(folder), capture_output=True, text=True)
    return round(int(proc.stdout)/1024)

def test_named_pipe_in_a_real_process(folder):
    "A named pipe, which would make a plain `open` wait for ever, is refused without being opened; no model is fetched"
    proc = _command(folder, 'predict', 'bad/pipe.png', timeout=60)
    assert (proc.returncode, proc.stdout) == (2, b'')
    assert proc.stderr.decode() == "digitclf: error: bad/pipe.png: is not a regular file (it is a named pipe)\n"
    assert not (folder/'cache'/'models').exists()

def test_reader_gone_before_any_output(folder):
    "A reader that closes the pipe before the command writes anything: its first write fails, status 141, silently"
    many = folder/'many'
    args = [sys.executable, '-m', 'digitclf.cli', 'predict', *sorted(p.name for p in many.iterdir()), *PIXEL]
    proc = subprocess.Popen(args, cwd=many, env=_env(folder), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before anything is written
    proc.wait(timeout=120)
    closed = proc.returncode, proc.stderr.read()
    proc.stderr.close()
    assert closed == (141, b'')

def test_memory_does_not_grow_with_files(folder):
    "On 500 files, `predict` holds one batch at a time: its peak resident memory is that of 5 files"
    big_batch = [f'many/{i % 200:03}.png' for i in range(500)]
    peaks = {n: _peak_mib(folder, 'predict', *big_batch[:n], *PIXEL) for n in (5, 500)}
    if sys.platform == 'linux': assert abs(peaks[500] - peaks[5]) < 40, peaks

def test_huge_picture_and_bomb_in_a_real_process(folder):
    "A 10000x10000 PNG of a 7: the right digit, no warning, within 100 MB of a small picture's peak; a PNG bomb: one line"
    huge = Image.new('L', (10000, 10000), 235)
    ImageDraw.Draw(huge).line([(3000, 2500), (6500, 2400), (4500, 7500)], fill=40, width=600, joint='curve')
    huge.save(folder/'huge.png'); del huge
    chunk = lambda kind, data: struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    header = chunk(b'IHDR', struct.pack('>IIBBBBB', 20000, 20000, 8, 0, 0, 0, 0))  # 20000x20000 grey pixels, it claims
    (folder/'bomb.png').write_bytes(b'\x89PNG\r\n\x1a\n' + header + chunk(b'IEND', b''))
    proc = _command(folder, 'predict', 'huge.png', 'bomb.png', *PIXEL)
    assert proc.returncode == 2
    assert proc.stdout.decode().split('\t')[:2] == ['huge.png', '7']
    assert proc.stderr.decode().splitlines() == [
        "digitclf: error: bomb.png: is too large to read safely (400,000,000 pixels; PIL refuses over 178,956,970)"]
    huge_peaks = {fn: _peak_mib(folder, 'predict', fn, *PIXEL) for fn in ('good.png', 'huge.png')}
    if sys.platform == 'linux': assert huge_peaks['huge.png'] - huge_peaks['good.png'] < 100, huge_peaks  # "within 100 MB"

class Terminal(io.StringIO):
    "A stand-in for a terminal: text written to it is kept, and it says it is a terminal"
    def isatty(self): return True

def _run(*args, terminal:bool=False) -> tuple:
    "Run the `digitclf` command in this process: (exit status, stdout, stderr)"
    out, err = io.StringIO(), Terminal() if terminal else io.StringIO()
    with redirect_stdout(out), redirect_stderr(err): status = main([str(a) for a in args])
    return status, out.getvalue(), err.getvalue()

def test_terminal_shipped_note_and_library_calls(folder, monkeypatch):
    """On a terminal, a model from the shipped weights is named as such, and in a pipe nothing is added; the library is
    asked with `say` (its progress) unless `--json`, and `retrain=True` with `--retrain`"""
    monkeypatch.chdir(folder)
    monkeypatch.setenv('DIGITCLF_DATA', str(folder/'cache'))
    asked, real_get, real_evaluate = [], model_cache.get_model, model_cache.evaluate
    def shipped_get(name, dataset='sample', device=None, say=None, retrain=False):
        "`get_model`, recording what it is asked, and saying its model came from the shipped weights"
        asked.append(('get_model', name, dataset, say is not None, retrain))
        return real_get(name, dataset, device)._replace(source='shipped')
    def recording_evaluate(names, dataset='sample', device=None, say=None):
        asked.append(('evaluate', tuple(names), dataset, say is not None))
        return real_evaluate(names, dataset, device)

    shipped_line = "digitclf: pixel model from: shipped (the package's weights; --retrain trains your own)\n"
    with patch.object(model_cache, 'get_model', shipped_get), patch.object(model_cache, 'evaluate', recording_evaluate):
        for terminal in (True, False):
            status, out, err = _run('predict', 'good.png', *PIXEL, terminal=terminal)
            assert (status, out.split('\t')[:2], err) == (0, ['good.png', '7'], shipped_line if terminal else '')
        assert asked[-1] == ('get_model', 'pixel', 'sample', True, False)
        _run('predict', 'good.png', *PIXEL, '--retrain')
        assert asked[-1] == ('get_model', 'pixel', 'sample', True, True)  # --retrain: retrain=True
        for json_flag, says in (([], True), (['--json'], False)):  # --json: the library says nothing, shows no progress
            asked.clear()
            status, out, err = _run('evaluate', 'pixel', 'knn', '--retrain', *json_flag, terminal=True)
            assert (status, asked) == (0, [('get_model', 'pixel', 'sample', says, True), ('evaluate', ('pixel', 'knn'), 'sample', says)])

def test_someone_elses_folder_is_never_cleaned(tmp_path, monkeypatch):
    "A cache folder that holds someone else's things is used, never cleaned: only `models/<its file>` is written, and no `mnist_sample` read"
    theirs = tmp_path/'theirs'
    (theirs/'mnist_sample').mkdir(parents=True); (theirs/'mnist_sample'/'thesis.tex').write_text('precious')
    (theirs/'models').mkdir(); (theirs/'models'/'resnet.pt').write_text('weights')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('DIGITCLF_DATA', str(theirs))
    status, out, err = _run('evaluate', 'pixel', '--retrain')
    assert status == 0
    assert sorted(str(p.relative_to(theirs)) for p in theirs.rglob('*') if not p.name.startswith('.')) == \
        ['mnist_sample', 'mnist_sample/thesis.tex', 'models', 'models/resnet.pt', 'models/sample-pixel.pt']
    assert ((theirs/'mnist_sample'/'thesis.tex').read_text(), (theirs/'models'/'resnet.pt').read_text()) == ('precious', 'weights')
