"""What importing the library's light modules pulls in. Predicting, the command line and the exercises need torch
(and PIL), never fastai, fastprogress, matplotlib, pandas or scipy: those cost seconds to import. Each check needs a
fresh Python, which takes seconds to import torch, so the chapters that make the promise (2: pixel similarity; 6:
`digit_cnn` without fastai; appendix D: `digitclf.neural_net` without fastprogress; appendix E: the exercises) leave
the check to pytest, here.

One process imports the modules in the chapters' order and, after each step, prints what heavy modules it holds:
nothing heavy after the last step means nothing heavy after any, and the step that brings one in is named.
"""
import json, subprocess, sys

HEAVY = ('fastai', 'fastprogress', 'matplotlib', 'pandas', 'scipy')
STEPS = {  # what a chapter promises, in the order the chapters make it
    'chapter 2: pixel similarity': ['digitclf.pixel_similarity'],
    'chapter 6: predicting with digit_cnn': ['digitclf.data', 'digitclf.neural_net'],
    'appendix E: the exercises': ['digitclf.exercises'],
}

PROBE = """import importlib, json, sys
steps, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for name, modules in steps.items():
    for m in modules: importlib.import_module(m)
    print(json.dumps([name, sorted(h for h in heavy if h in sys.modules)]))"""

def test_light_modules_import_nothing_heavy():
    proc = subprocess.run([sys.executable, '-c', PROBE, json.dumps(STEPS), json.dumps(HEAVY)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ''  # and no warning printed on import
    found = dict(json.loads(line) for line in proc.stdout.splitlines())
    assert found == {name: [] for name in STEPS}
