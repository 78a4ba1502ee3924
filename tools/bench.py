#!/usr/bin/env python
"""Speed figures of the book, measured in one run on this machine.

The `digitclf` command (chapter 9), each command run in a new process, in turns, 5 times, median and fastest:
- `digitclf --help`, `digitclf --version`, and `digitclf predict one.png --model cnn` with the model in the
  cache (a photo-like digit of chapter 8), next to `python -c "import torch"`, with the ratio and the
  difference between predict and the torch import.

Chapter 7 (full MNIST):
- exact kNN (k=3): `digitclf.full_mnist.NearestNeighbours` against scikit-learn's
  `KNeighborsClassifier(algorithm='brute')` on the same data, with identical predictions, and the ratio;
- the CNN's training time to 99% test accuracy (chapter 7's recipe, `TRAINING['cnn']`);
- pixel similarity's prediction time for the 10,000 test images.

Run from the repository's root after `pip install -e ".[dev]"` (scikit-learn comes with the dev extra):

    python tools/bench.py            # on fastai's default device (a GPU if there is one)
    python tools/bench.py --device cpu
    python tools/bench.py --only cli # the command's figures only

The command's figures use the cache of trained models ($DIGITCLF_DATA, or ~/.cache/digitclf), training the
full-MNIST CNN there first if it is not cached yet. It prints figures; it asserts nothing about time. It fails
(exit 1) if the two kNNs disagree.
"""
import argparse, os, platform, resource, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import torch
from digitclf.data import load_mnist
from digitclf.full_mnist import NearestNeighbours, TRAINING, accuracy, predict, train_model
from fastai.torch_core import default_device
from sklearn.neighbors import KNeighborsClassifier


def timed(f, *args, **kwargs):
    "`(f(*args, **kwargs), seconds)`, waiting for the GPU where there is one"
    if torch.cuda.is_available(): torch.cuda.synchronize()
    start = time.perf_counter()
    res = f(*args, **kwargs)
    if torch.cuda.is_available(): torch.cuda.synchronize()
    return res, time.perf_counter() - start


def peak_mib(device):
    "The peak memory of this process so far: the GPU's allocator on CUDA, else the resident set size"
    if device.type == 'cuda': return torch.cuda.max_memory_allocated(device)/2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/2**10  # KiB on Linux


def wall(cmd) -> float:
    "Seconds the command `cmd` (a list) takes, in a new process, with its output thrown away"
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def bench_cli(runs:int=5):
    "The `digitclf` command's wall times, with a warm cache, next to `python -c 'import torch'`"
    from PIL import Image
    from digitclf.full_mnist import get_model
    from digitclf.photos import photo_like
    exe = shutil.which('digitclf')
    digitclf = [exe] if exe else [sys.executable, '-m', 'digitclf.cli']
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp)/'one.png'
        x, y = load_mnist('test')
        photo_like(x[0], seed=0).save(one)
        get_model('cnn', data='full', say=lambda msg: print(f"  ({msg})"))  # warm the cache (trains once if need be)
        commands = {'digitclf --help': digitclf + ['--help'], 'digitclf --version': digitclf + ['--version'],
                    'digitclf predict one.png --model cnn': digitclf + ['predict', str(one), '--model', 'cnn'],
                    'python -c "import torch"': [sys.executable, '-c', 'import torch']}
        for cmd in commands.values(): wall(cmd)  # warm the file system's cache too
        times = {name: [] for name in commands}
        for _ in range(runs):  # in turns, so that a busy moment of the machine does not fall on one command only
            for name, cmd in commands.items(): times[name].append(wall(cmd))
    print(f"the digitclf command ({'console script' if exe else 'python -m digitclf.cli'}), {runs} runs each, "
          f"model in the cache: median (fastest)")
    for name, ts in times.items(): print(f"  {name:<40} {statistics.median(ts):6.2f} s ({min(ts):.2f} s)")
    pred, imp = (statistics.median(times[k]) for k in ('digitclf predict one.png --model cnn', 'python -c "import torch"'))
    print(f"  predict / import torch: {pred/imp:.2f}x; predict - import torch: {pred - imp:+.2f} s")


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--device', help="cpu, cuda, ... (default: fastai's default_device())")
    p.add_argument('--only', choices=('cli', 'full_mnist'), help="measure only the command's figures, or only chapter 7's")
    args = p.parse_args()
    device = torch.device(args.device) if args.device else default_device()
    print(f"digitclf bench on {device} ({platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__})")
    if args.only != 'full_mnist': bench_cli()
    if args.only == 'cli': return 0
    x_train, y_train = load_mnist('train', device=device)
    x_test, y_test = load_mnist('test', device=device)

    before = peak_mib(device)
    knn, fit_s = timed(lambda: NearestNeighbours(range(10), k=3).fit(x_train, y_train))
    (ours, _), predict_s = timed(predict, knn, x_test, bs=len(x_test))
    print(f"kNN (k=3), digitclf: fit {fit_s:.2f} s + predict {predict_s:.2f} s = {fit_s + predict_s:.2f} s; "
          f"{knn.last_full_searches} of 10,000 queries needed the full search; "
          f"peak memory {peak_mib(device):.0f} MiB ({peak_mib(device) - before:+.0f} MiB for the kNN)")

    a_train, a_test = x_train.flatten(1).cpu().numpy(), x_test.flatten(1).cpu().numpy()
    sk = KNeighborsClassifier(n_neighbors=3, algorithm='brute')
    _, sk_fit_s = timed(sk.fit, a_train, y_train.cpu().numpy())
    theirs, sk_predict_s = timed(sk.predict, a_test)
    same = int((ours.cpu().numpy() == theirs).sum())
    sk_s, ours_s = sk_fit_s + sk_predict_s, fit_s + predict_s
    print(f"kNN (k=3), scikit-learn brute force: fit {sk_fit_s:.2f} s + predict {sk_predict_s:.2f} s = {sk_s:.2f} s")
    print(f"kNN: identical predictions on {same} of 10,000 test images; accuracy {(ours == y_test).float().mean():.4f}; "
          f"digitclf is {sk_s/ours_s:.1f}x faster than scikit-learn")

    cnn, cnn_s = timed(train_model, 'cnn', x_train, y_train, show_progress=False)
    cnn_acc = accuracy(cnn, x_test, y_test)
    print(f"CNN: {TRAINING['cnn']['epochs']} epochs of fit_one_cycle (lr {TRAINING['cnn']['lr']}) in {cnn_s:.1f} s "
          f"of training: test accuracy {cnn_acc:.4f} ({'reached' if cnn_acc >= 0.99 else 'did NOT reach'} 0.99)")

    pixel, pixel_fit_s = timed(train_model, 'pixel', x_train, y_train)
    predict(pixel, x_test[:1000])  # warm up
    (pixel_pred, _), pixel_s = timed(predict, pixel, x_test)
    print(f"pixel similarity (L1, ten mean digits): fit {pixel_fit_s:.2f} s; predicting the 10,000 test images "
          f"took {pixel_s*1000:.0f} ms; accuracy {(pixel_pred == y_test).float().mean():.4f}")
    return 0 if same == len(y_test) else 1


if __name__ == '__main__': sys.exit(main())
