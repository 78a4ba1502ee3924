"""Robustness of the cache of trained models (appendix C), run by pytest: what needs threads, processes, or seconds.

- with no shipped weights, two asking for the same model at once: one trains it, the other waits for the lock and then
  reads what the first cached; within one process (the lock held by hand, `get_model` in a thread) and with two processes;
- `evaluate` with one name, repeated names, a model from each source (cache, shipped, trained) and the full data set;
- a model from the package, and its predictions, need no fastai (nor matplotlib, pandas, scipy), in a new process:
  what `digitclf predict` runs.

Each test has a cache folder of its own (`DIGITCLF_DATA` in `tmp_path`). About half a minute on two busy cores.
"""
import subprocess, sys, threading, time

import pytest

import digitclf.model_cache as mc
from digitclf.data import load_mnist
from digitclf.model_cache import _lock, _models_folder, _save, evaluate, get_model, model_file, results_table
from digitclf.models import train_classifier

@pytest.fixture
def cache(tmp_path, monkeypatch):
    "An empty cache folder of the test's own"
    monkeypatch.setenv('DIGITCLF_DATA', str(tmp_path/'cache'))
    return tmp_path/'cache'

@pytest.fixture
def no_shipped_weights(tmp_path, monkeypatch):
    "`get_model` without the package's weights (as for a model added to the catalog before `tools/build_weights.py` has run)"
    (tmp_path/'no-weights').mkdir()
    monkeypatch.setattr(mc, 'SHIPPED', tmp_path/'no-weights')

def test_waiting_for_the_lock_in_a_thread(cache, no_shipped_weights):
    "The lock held by hand, as by another process training: `get_model` says it waits, then reads what was cached"
    path = model_file('pixel')
    said, result = [], {}
    with _lock(_models_folder()/'.sample-pixel.pt.lock', lambda: None):  # another process, training
        worker = threading.Thread(target=lambda: result.update(got=get_model('pixel', say=said.append)), daemon=True)
        worker.start()
        for _ in range(200):
            if said: break
            time.sleep(0.05)
        assert said == ['waiting for another process training pixel']
        trained = train_classifier('pixel', *load_mnist('train', (3, 7)), show_progress=False)
        _save(trained, path)  # ...which caches its model, and lets go of the lock
    worker.join(timeout=300)
    assert not worker.is_alive()
    assert (result['got'].source, said) == ('cache', ['waiting for another process training pixel'])

def test_two_processes_one_trains(cache):
    "Two processes started together, with no shipped weights: one trains the model, the other waits and reads it"
    probe = ("import sys, digitclf.model_cache as mc, pathlib, tempfile; mc.SHIPPED = pathlib.Path(tempfile.mkdtemp()); "
             "print(mc.get_model('pixel').source)")
    runs = [subprocess.Popen([sys.executable, '-c', probe], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [r.communicate(timeout=300) for r in runs]
    assert sorted(out.strip() for out, err in outs) == ['cache', 'trained']  # one trained, the other waited and read it
    assert [err for out, err in outs] == ['', '']

def test_evaluate_names_sources_and_columns(cache):
    "One name, repeated names (evaluated once, in order), each source of a model, and the full data set's columns"
    assert [r['model'] for r in evaluate('pixel')['models']] == ['pixel']
    assert [r['model'] for r in evaluate(['cnn', 'pixel', 'cnn'])['models']] == ['cnn', 'pixel']
    get_model('pixel', retrain=True)
    assert [r['from'] for r in evaluate(['pixel', 'linear', 'knn'])['models']] == ['cache', 'shipped', 'trained']
    lines = results_table(evaluate('linear', 'full')).splitlines()
    assert (lines[0].split(':')[0], lines[1].split()) == ('full data set (digits 0 1 2 3 4 5 6 7 8 9), valid split',
                                                         ['model', 'accuracy', 'train_s', 'eval_s', 'from'])

def test_predict_needs_no_fastai(cache):
    "A model from the package or the cache, and its predictions, need no fastai (nor matplotlib, pandas, scipy): what `digitclf predict` runs"
    probe = ("import sys, torch; from digitclf.model_cache import get_model; from digitclf.models import predict; got = get_model('cnn'); "
             "predict(got.model, torch.zeros(1, 28, 28)); print(got.source, *sorted({'fastai', 'matplotlib', 'pandas', 'scipy'} & set(sys.modules)))")
    run = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True)
    assert (run.stdout.split(), run.stderr) == (['shipped'], '')
