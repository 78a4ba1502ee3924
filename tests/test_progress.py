"""`digitclf.progress` (appendix D) outside IPython, run by pytest: each check needs a fresh Python, which takes
seconds to import fastai, so it lives here rather than in the notebook.

In a script (or the `digitclf` command) `final_progress_bars()` swaps nothing: there is nothing to display into,
and fastai's text bars stay. That the chapters' library, `digitclf.neural_net`, does not import fastprogress at all
is checked with the other light modules, in one fresh Python, by `tests/test_imports.py`.
"""
import subprocess, sys

def _stdout(code:str) -> str: return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True).stdout

def test_outside_ipython_fastai_bars_left_alone():
    script = "from digitclf.progress import final_progress_bars\nwith final_progress_bars() as r: print(r)"
    assert _stdout(script) == 'False\n'
