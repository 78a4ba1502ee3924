"""Robustness of the MNIST cache (appendix A, `digitclf.data`), run by pytest: the checks that need other processes
or a copy of the sample written into a fresh cache folder, which take seconds each, so they live here rather than
in the notebook, which explains each promise they check.

- importing `digitclf.data` changes nothing (fresh Pythons);
- processes asking at once wait on the lock, and one writes the copy;
- a copy is reused, and written again when damaged;
- a copy written by an older digitclf is adopted;
- half-written folders: ours, of a run that has ended, are cleared away; anyone else's are left alone;
- a read-only cache folder gives its copy, or says what to do.

Each test writes into a temporary cache folder of its own; no network (`source='shipped'`). The tests that run in
this process see a smaller MNIST (`small_mnist`: the first 600 training and 100 test digits, the same files under
the same names), so that a copy of the sample is 147 images instead of 14,434: what they check does not depend on the
size, and writing the whole sample four times took 20 s of the suite's time. The lock's test, in other processes,
writes the whole sample.
"""
import builtins, contextlib, errno, io, json, os, select, shutil, subprocess, sys
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import digitclf.data
from filelock import FileLock
from PIL import Image

from digitclf.data import (PARTIAL_MARK, URLs, _adopt, _manifest, _new_partial, get_mnist, is_complete, manifest_path,
                           mnist_arrays, mnist_layout)

LAYOUT = mnist_layout(URLs.MNIST_SAMPLE)
SAID = "get_mnist: writing mnist_sample from digitclf's shipped copy of MNIST (once: later calls reuse it)\n"

def quietly(f, *args, tty=False, **kwargs):
    "`f(*args, **kwargs)`, and what it printed (to a terminal if `tty`)"
    class Out(io.StringIO):
        def isatty(self): return tty
    with contextlib.redirect_stdout(Out()) as out: res = f(*args, **kwargs)
    return res, out.getvalue()

@pytest.fixture
def small_mnist(monkeypatch):
    "MNIST as `digitclf.data` sees it during the test: its first 600 training and 100 test digits (a prefix: the same indices)"
    small = {k: v[:600 if k.startswith('train') else 100] for k, v in mnist_arrays().items()}
    monkeypatch.setattr(digitclf.data, 'mnist_arrays', lambda: small)
    return small

@pytest.fixture
def cache(tmp_path, small_mnist):
    "A cache folder, `tmp_path/'cache'`, with the (small) sample written into it by `get_mnist`: `(cache folder, copy)`"
    tmp = tmp_path/'cache'; tmp.mkdir()
    p = tmp/'mnist_sample'
    assert quietly(get_mnist, URLs.MNIST_SAMPLE, dest=tmp, source='shipped') == (p, SAID)
    assert is_complete(p, LAYOUT) and _manifest(p) is not None
    return tmp, p

def test_import_changes_nothing():
    """Importing `digitclf.data` imports nothing heavy, installs no warnings filter of its own and prints nothing;
    with fastai (on first use of an attribute of `URLs` other than MNIST's two): fastai's own filters, no warning,
    and `URLs` answers as fastai's. Each side runs in a fresh Python, both at once."""
    def fresh(*steps):
        "A fresh Python that runs `steps` in turn and, after each, prints its `warnings.filters` and the heavy modules imported"
        show = ("print([(a, getattr(m, 'pattern', m), c.__name__, getattr(mod, 'pattern', mod), l) for a, m, c, mod, l in warnings.filters])\n"
                "print(sorted(m for m in ('fastai', 'matplotlib', 'pandas', 'scipy') if m in sys.modules))\n")
        code = 'import sys, warnings\n' + ''.join(f'{s}\n{show}' for s in steps)
        return subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    check_urls = ("import fastai.data.external as fe; u = digitclf.data.URLs\n"
                  "assert (u.MNIST_SAMPLE, u.MNIST, u.MNIST_TINY) == (fe.URLs.MNIST_SAMPLE, fe.URLs.MNIST, fe.URLs.MNIST_TINY)\n"
                  "assert digitclf.data._fastai_external() is fe")
    runs = fresh('import digitclf.data', 'digitclf.data.URLs.MNIST_TINY\n' + check_urls), fresh('import numpy, torch, filelock, PIL.Image', 'import fastai.data.external')
    (ours, err), (theirs, _) = [r.communicate() for r in runs]
    ours, theirs = ours.splitlines(), theirs.splitlines()
    assert err == ''  # nothing printed, no warning, and URLs answers as fastai's
    assert ours[1] == '[]'  # nothing heavy imported
    assert ours[0] == theirs[0]  # the filters its dependencies install, and no more
    assert ours[2] == theirs[2]  # with fastai: fastai's own filters too, and no more

def test_processes_wait_on_the_lock(tmp_path):
    """Two processes ask at once, into the empty cache, while the test holds the lock: each says, once, that it waits;
    when the lock is released one writes the copy, and says so in one line that names no folder of the machine, while
    the other waits for it and then finds it. Both get a complete folder, in fastai's layout, with the manifest beside it."""
    tmp = tmp_path
    code = f"from digitclf.data import get_mnist, is_complete, mnist_layout, URLs; p = get_mnist(URLs.MNIST_SAMPLE, dest={str(tmp)!r}, source='shipped'); print(is_complete(p, mnist_layout(URLs.MNIST_SAMPLE)))"
    held = FileLock(tmp/'.mnist_sample.lock'); held.acquire()
    try:
        procs = [subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, text=True) for _ in range(2)]
        for proc in procs:
            assert select.select([proc.stdout], [], [], 300)[0], 'no line in 5 minutes'
            assert proc.stdout.readline() == 'get_mnist: waiting for another process writing mnist_sample ...\n'
    finally: held.release()
    assert sorted(proc.communicate()[0] for proc in procs) == ['True\n', SAID + 'True\n']  # one wrote it, the other found it
    p = tmp/'mnist_sample'
    assert sorted(os.listdir(p)) == ['labels.csv', 'train', 'valid']
    assert sorted(os.listdir(tmp)) == ['.mnist_sample.digitclf.json', '.mnist_sample.lock', 'mnist_sample']
    assert is_complete(p, LAYOUT) and _manifest(p) is not None
    assert [o.name for o in p.rglob("*.tmp")] == []  # no temporary file left behind

def test_copy_reused_and_damage_written_again(cache, small_mnist):
    """A second call reuses the copy: it writes nothing, and says nothing. A missing or truncated image is noticed,
    and the copy written again; on a terminal, that run also says how far it got, a line per split."""
    tmp, p = cache
    stamp = manifest_path(p).stat().st_mtime_ns
    assert quietly(get_mnist, URLs.MNIST_SAMPLE, dest=tmp, source='shipped') == (p, '')
    assert manifest_path(p).stat().st_mtime_ns == stamp
    (p/'valid'/'7'/'0.png').unlink()
    assert not is_complete(p, LAYOUT)
    f = p/'train'/'3'/'10.png'
    f.write_bytes(f.read_bytes()[:100])
    assert not is_complete(p, LAYOUT)
    n = {s: int(np.isin(small_mnist[f'{s}_labels'], (3, 7)).sum()) for s in ('train', 'test')}  # 3s and 7s
    assert quietly(get_mnist, URLs.MNIST_SAMPLE, dest=tmp, source='shipped', tty=True) == \
        (p, SAID + f"get_mnist: mnist_sample/train: {n['train']:,} images written\n"
                   f"get_mnist: mnist_sample/valid: {n['test']:,} images written\n")
    assert is_complete(p, LAYOUT)
    assert np.array_equal(np.array(Image.open(f)), mnist_arrays()['train_images'][10])

def make_old(p):
    "Turn digitclf's copy at `p` into what an older digitclf left: the manifest inside, without the inode"
    (p/'.digitclf.json').write_text(json.dumps(dict(folders=json.loads(manifest_path(p).read_text())['folders'])))
    manifest_path(p).unlink()

def test_older_copies_adopted(cache):
    """A copy written by an older digitclf, with its manifest inside, is kept: the manifest moves out, and nothing
    is written again. If such a copy is damaged, the manifest, moved out, says so, and the copy is written again.
    A copy renamed into place by a run that stopped before it removed its marker loses the marker."""
    tmp, p = cache
    make_old(p)
    stamp = (p/'labels.csv').stat().st_mtime_ns
    assert quietly(get_mnist, URLs.MNIST_SAMPLE, dest=tmp, source='shipped') == (p, '')  # kept, not written again
    assert sorted(os.listdir(p)) == ['labels.csv', 'train', 'valid']
    assert _manifest(p) is not None and is_complete(p, LAYOUT)
    assert (p/'labels.csv').stat().st_mtime_ns == stamp

    make_old(p)
    f = p/'train'/'7'/'15.png'
    f.write_bytes(b'')
    _adopt(p, LAYOUT)
    assert _manifest(p) is not None and not is_complete(p, LAYOUT)  # ours, and damaged: get_mnist writes it again
    Image.fromarray(mnist_arrays()['train_images'][15]).save(f)  # mended by hand, to the byte
    assert is_complete(p, LAYOUT)

    (p/PARTIAL_MARK).write_text('{}')
    assert quietly(get_mnist, URLs.MNIST_SAMPLE, dest=tmp, source='shipped') == (p, '')
    assert sorted(os.listdir(p)) == ['labels.csv', 'train', 'valid']

def mark(partial, **changes):
    "Change the fields of our marker in `partial`"
    (partial/PARTIAL_MARK).write_text(json.dumps({**json.loads((partial/PARTIAL_MARK).read_text()), **changes}))

def dead_pid() -> int:
    "The number of a process that has just ended: surely one that no longer runs"
    return int(subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'], capture_output=True, text=True).stdout)

def test_half_written_folders(cache):
    """Half-written folders: one without our marker (here someone's `data.txt`), or whose marker names a process
    that still runs, or a process of another machine, is left alone; one whose marker names a process of this
    machine that has ended is cleared away, at the next call."""
    tmp, p = cache
    dead = dead_pid()
    theirs = tmp/'.mnist_sample.partial-4242'
    theirs.mkdir(); (theirs/'data.txt').write_text('not ours')
    stale, alive, remote = (_new_partial(tmp, 'mnist_sample') for _ in range(3))
    mark(stale, pid=dead); mark(alive, pid=os.getppid()); mark(remote, pid=dead, host='another-machine')
    assert quietly(get_mnist, URLs.MNIST_SAMPLE, dest=tmp, source='shipped') == (p, '')
    assert not stale.exists() and alive.exists() and remote.exists()
    assert (theirs/'data.txt').read_text() == 'not ours'
    assert sorted(o.name for o in tmp.glob('.mnist_sample.partial-*')) == sorted([theirs.name, alive.name, remote.name])

@contextlib.contextmanager
def read_only(folder, err=errno.EROFS):
    "Inside the block, whatever would write into `folder` fails with `err`"
    top = os.path.realpath(folder)
    def guard(f, writes=lambda *a, **k: True):
        def g(p, *a, **k):
            if isinstance(p, (str, os.PathLike)) and writes(*a, **k) and (os.path.realpath(p)+os.sep).startswith(top+os.sep):
                raise OSError(err, os.strerror(err), os.fspath(p))
            return f(p, *a, **k)
        return g
    W, by_mode = os.O_WRONLY | os.O_RDWR | os.O_CREAT, lambda mode='r', *a, **k: bool(set(mode) & set('wax+'))
    with contextlib.ExitStack() as stack:
        for m, n in ((os, 'mkdir'), (os, 'rename'), (os, 'replace'), (os, 'unlink'), (os, 'rmdir'), (shutil, 'rmtree')):
            stack.enter_context(mock.patch.object(m, n, guard(getattr(m, n))))
        stack.enter_context(mock.patch.object(os, 'open', guard(os.open, lambda flags, *a, **k: bool(flags & W))))
        for m in (io, builtins): stack.enter_context(mock.patch.object(m, 'open', guard(m.open, by_mode)))
        yield

def files_of(folder): return {f: f.stat().st_mtime_ns for f in Path(folder).rglob('*')}

def refused(f):
    "The exception `f()` raises, which must say that the folder is read-only and what to do"
    try: f()
    except PermissionError as e:
        assert 'it is read-only' in str(e) and 'pass another folder as `dest` or set DIGITCLF_DATA' in str(e), e
        return e
    raise AssertionError("no PermissionError")

def test_read_only_cache(cache, tmp_path):
    """A read-only cache folder that holds a finished copy gives it, even with leftovers it may not clear; one without
    a copy says what to do. `read_only` makes every write into a folder fail, as a read-only file system does (`chmod`
    alone would not stop root); where we are not root, `chmod` is tried too."""
    tmp, p = cache
    stale = _new_partial(tmp, 'mnist_sample')  # a leftover of a dead run of ours
    mark(stale, pid=dead_pid())
    seen = files_of(tmp)
    for err in (errno.EROFS, errno.EACCES):
        with read_only(tmp, err): assert quietly(get_mnist, URLs.MNIST_SAMPLE, dest=tmp, source='shipped') == (p, '')
        assert np.array_equal(np.array(Image.open(p/'train'/'3'/'10.png')), mnist_arrays()['train_images'][10])
    assert files_of(tmp) == seen  # nothing written, nothing deleted
    assert quietly(get_mnist, URLs.MNIST_SAMPLE, dest=tmp, source='shipped') == (p, '')  # writable again: cleared
    assert not stale.exists()
    empty = tmp_path/'empty'; empty.mkdir()
    for err in (errno.EROFS, errno.EACCES):
        with read_only(empty, err):
            e = refused(lambda: get_mnist(URLs.MNIST_SAMPLE, dest=empty, source='shipped'))
            assert Path(e.__cause__.filename).name == '.mnist_sample.lock'
            refused(lambda: get_mnist(URLs.MNIST_SAMPLE, dest=Path(empty)/'cache', source='shipped'))
    assert os.listdir(empty) == []
    if os.name == 'posix' and os.geteuid() != 0:  # a real read-only folder
        for d in (tmp, Path(empty)): d.chmod(0o555)
        try:
            assert quietly(get_mnist, URLs.MNIST_SAMPLE, dest=tmp, source='shipped') == (p, '')
            refused(lambda: get_mnist(URLs.MNIST_SAMPLE, dest=empty, source='shipped'))
        finally:
            for d in (tmp, Path(empty)): d.chmod(0o755)
