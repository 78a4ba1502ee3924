#!/usr/bin/env python
"""Check that digitclf works with the lowest versions `pyproject.toml` declares for the small dependencies whose APIs it
touches: fastprogress (the progress bars of appendix D) and filelock (the locks of the caches).

Installs those versions, and nothing else, into a folder of their own (`pip install --target --no-deps`: the virtual
environment is not touched), puts that folder first on PYTHONPATH, and in a new process with it checks that the
versions are the ones imported, imports `digitclf.models`, `digitclf.model_cache` and `digitclf.progress`, writes
the MNIST sample into a new cache with `get_mnist` (which holds a filelock lock meanwhile), and runs
`python -m digitclf predict` on one picture of a digit. Prints each check and "pass" or "FAIL"; exits 1 on failure.

Usage: python tools/check_lowest.py [--fastprogress X] [--filelock Y] [--model cnn --data full]
(default: the lowest versions `pyproject.toml` declares, `>=X`)
"""
import argparse, os, re, subprocess, sys, tempfile
from pathlib import Path

def declared_lowest(name:str) -> str:
    "The version `pyproject.toml` declares as the lowest for `name` (`name>=X`)"
    text = (Path(__file__).resolve().parent.parent/'pyproject.toml').read_text()
    m = re.search(rf'"{name}>=([0-9][0-9.]*)', text)
    if m is None: sys.exit(f"check_lowest: pyproject.toml declares no lowest version of {name} ({name}>=X)")
    return m[1]

CHECK = """import sys, fastprogress, filelock
want = dict(fastprogress=sys.argv[1], filelock=sys.argv[2])
got = dict(fastprogress=fastprogress.__version__, filelock=filelock.__version__)
print(f"imported: fastprogress {got['fastprogress']} and filelock {got['filelock']}")
assert got == want, (got, want)
import digitclf.models, digitclf.model_cache, digitclf.progress
print("imported: digitclf.models, digitclf.model_cache, digitclf.progress")"""

WRITE = """from digitclf.data import URLs, get_mnist
path = get_mnist(URLs.MNIST_SAMPLE)  # written from the shipped arrays into a new cache, under a filelock lock
print(f"get_mnist wrote the sample: {len(list((path/'train'/'3').iterdir()))} training 3s")"""

PICTURE = """import sys
from digitclf.data import load_mnist
from digitclf.photos import photo_like
x, y = load_mnist('test', (3, 7))
photo_like(x[0], seed=0).save(sys.argv[1])
print(int(y[0]))"""

def run(cmd, env, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--fastprogress', default=declared_lowest('fastprogress'), help="the lowest fastprogress to check (default: %(default)s)")
    p.add_argument('--filelock', default=declared_lowest('filelock'), help="the lowest filelock to check (default: %(default)s)")
    p.add_argument('--model', default='cnn', help="the model `digitclf predict` uses (default: %(default)s)")
    p.add_argument('--data', default='full', help="its data set (default: %(default)s)")
    args = p.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory(prefix='check_lowest-') as d:
        target = Path(d)/'lowest'
        pins = [f'fastprogress=={args.fastprogress}', f'filelock=={args.filelock}']
        proc = run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target', str(target), *pins], os.environ.copy())
        print(f"pip install --target ... {' '.join(pins)}: {'done' if proc.returncode == 0 else 'FAILED'}")
        if proc.returncode: print(proc.stdout + proc.stderr); print("FAIL"); return 1
        env = os.environ | {'PYTHONPATH': os.pathsep.join([str(target), *filter(None, [os.environ.get('PYTHONPATH')])])}
        env.setdefault('DIGITCLF_OFFLINE', '1')
        proc = run([sys.executable, '-c', CHECK, args.fastprogress, args.filelock], env, cwd=d)
        print(proc.stdout.strip() or proc.stderr.strip().splitlines()[-1])
        ok &= proc.returncode == 0
        proc = run([sys.executable, '-c', WRITE], env | {'DIGITCLF_DATA': str(Path(d)/'cache')}, cwd=d)
        print(proc.stdout.strip() or proc.stderr.strip().splitlines()[-1])
        ok &= proc.returncode == 0
        proc = run([sys.executable, '-c', PICTURE, str(Path(d)/'digit.png')], env, cwd=d)
        digit = proc.stdout.strip()
        proc = run([sys.executable, '-m', 'digitclf', 'predict', 'digit.png', '--model', args.model, '--data', args.data], env, cwd=d)
        predicted = proc.stdout.split('\t')[1] if proc.returncode == 0 and proc.stdout.count('\t') == 2 else None
        print(f"digitclf predict digit.png --model {args.model} --data {args.data}: status {proc.returncode}, "
              f"digit {predicted} (a photo-like {digit})")
        if proc.returncode: print(proc.stderr.strip())
        ok &= proc.returncode == 0 and predicted == digit
    print("pass" if ok else "FAIL")
    return 0 if ok else 1

if __name__ == '__main__': sys.exit(main())
