#!/usr/bin/env python
"""Run every notebook of the book alone, as Colab opens it: each copied by itself into a fresh, empty folder
and run there, in a new process, with nothing of the repository around it but the installed `digitclf`.

A notebook that reads `../pyproject.toml`, `playground/models.js` or any other file of the repository fails
here, where `nbdev-test` (run inside `nbs/`) would not notice. The cells of every flag in the project's
`tst_flags` (`notest`, `slow`, `long`) are skipped, as `nbdev-test` does by default; `--flags slow` runs the
`slow` ones too, as CI does (`.ci/run`), and `--flags "slow long"` the book's full trainings as well.

Each notebook's process gets its share of the cores for its arithmetic: `OMP_NUM_THREADS` is the cores divided
by the notebooks run at once (unless it is set already). With two notebooks at once on two cores, each using both,
their threads fight over the cores: here chapters 6 and 7 took 160 s and 147 s that way, and 47 s and 55 s with one
thread each.

Usage: python tools/run_alone.py [NOTEBOOK ...] [--flags "slow long"] [--timeout SECONDS] [--jobs N]
Prints one line per notebook (ok or FAILED, and its seconds), then "N passed, M failed"; exits 1 on any failure.
"""
import argparse, os, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from nbdev.config import get_config

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
SKIP_FLAGS = tuple(get_config(ROOT).tst_flags.split())  # the project's `tst_flags`: the cells `nbdev-test` skips unless told

RUN = """import sys
from nbdev.test import test_nb
ok, secs = test_nb(sys.argv[1], skip_flags=sys.argv[2].split(), profile=False, cell_timeout=int(sys.argv[3]) or None)
sys.exit(0 if ok else 1)"""

def notebooks() -> list:
    "Every notebook of the book: the chapters, the home page and the appendix (no drafts in `_` folders, no checkpoints)"
    return sorted(p for p in NBS.rglob('*.ipynb') if not any(part.startswith(('.', '_')) for part in p.relative_to(NBS).parts))

def run_alone(nb:Path, # the notebook
              skip:tuple=SKIP_FLAGS, # flags of the cells to skip
              timeout:int=1200, # seconds each cell may take (0: no limit)
              threads:int|None=None, # its OMP_NUM_THREADS, unless already set (default: torch's own choice, all cores)
             ) -> tuple: # (passed, seconds, what it printed)
    "Copy `nb` alone into a new empty folder and run it there, in a new Python process"
    with tempfile.TemporaryDirectory(prefix='run_alone-') as d:
        alone = Path(d)/nb.name
        shutil.copyfile(nb, alone)
        env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'PYTHONSTARTUP')}  # only the installed package
        if threads and 'OMP_NUM_THREADS' not in env: env['OMP_NUM_THREADS'] = str(threads)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, '-c', RUN, str(alone), ' '.join(skip), str(timeout)], cwd=d, env=env,
                              capture_output=True, text=True)
        return proc.returncode == 0, time.perf_counter() - start, proc.stdout + proc.stderr

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('notebooks', nargs='*', type=Path, help="notebooks to run (default: every notebook under nbs/)")
    p.add_argument('--flags', default='', help="space-separated flags whose cells run too, e.g. 'slow' (as CI) or 'slow long'")
    p.add_argument('--timeout', type=int, default=1200, help="seconds each cell may take (0: no limit; default: %(default)s)")
    p.add_argument('--jobs', type=int, default=os.cpu_count() or 1, help="notebooks run at a time (default: the cores, %(default)s)")
    args = p.parse_args(argv)
    nbs = [nb.resolve() for nb in args.notebooks] or notebooks()
    skip = tuple(f for f in SKIP_FLAGS if f not in args.flags.split())
    passed = failed = 0
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:  # each notebook runs in a process of its own
        threads = max(1, (os.cpu_count() or 1)//max(1, args.jobs))  # each notebook's share of the cores
        runs = pool.map(lambda nb: (nb, *run_alone(nb, skip, args.timeout, threads)), nbs)
        for nb, ok, secs, printed in runs:
            name = nb.relative_to(NBS) if nb.is_relative_to(NBS) else nb
            print(f"{'ok    ' if ok else 'FAILED'} {secs:7.1f} s  {name}", flush=True)
            if ok: passed += 1
            else:
                failed += 1
                print('\n'.join('    ' + line for line in printed.strip().splitlines()[-40:]), flush=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

if __name__ == '__main__': sys.exit(main())
