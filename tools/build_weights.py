"""Build the trained weights shipped in `digitclf/weights/`, so that `get_model` answers at once, with no training.

Trains pixel, linear, mlp and cnn on the book's two data sets (`sample`: 3s and 7s; `full`: all ten digits) with the
book's recipes (`digitclf.models.RECIPES`) and a fixed seed, on the CPU with a fixed number of threads, and writes:

- `digitclf/weights/{dataset}-{name}.pt`: each model's state dict; the two bigger nets (mlp, cnn) in float16, which
  halves the package (about 1.3 MB in all) and changes their accuracy by a hair; pixel and linear as trained (float32);
- `digitclf/weights/weights.json`: the seed, the threads, the versions of torch and fastai, and per file its size,
  sha256, the seconds its training took, and the accuracy the *shipped* (stored) weights reach on the validation split.

kNN ships nothing: its "training" is keeping the training images, which the package already has.

    python tools/build_weights.py            # all of them, into digitclf/weights
    python tools/build_weights.py --check    # recompute each shipped model's accuracy and compare with weights.json
    python tools/build_weights.py --rebuild-check   # train them all again, elsewhere, and compare with weights.json

`--check` asks for exactly the recorded accuracies: the shipped files are what was measured. `--rebuild-check` (what
CI runs) retrains every model into a temporary folder with this script and the recipes of the installed package, and
asks that each reaches its recorded accuracy within `TOLERANCE` (0.005, half a percentage point): the same recipe
and seed give the same weights on the same kind of CPU with the same threads and versions, but a different CPU,
torch or fastai may round differently, and training amplifies a rounding into a slightly different model.
"""
import argparse, hashlib, io, json, os, sys, time
from pathlib import Path
import torch

SEED = 42
THREADS = 2  # the CPU threads the trainings use: results are reproducible for one thread count on one kind of CPU
NAMES = ('pixel', 'linear', 'mlp', 'cnn')
HALF = ('mlp', 'cnn')  # stored as float16
TOLERANCE = 0.005  # `--rebuild-check`: how far a retrained model's accuracy may be from the recorded one

def stored(model, name):
    "The bytes of `model`'s state dict as shipped"
    sd = {k: (v.half() if name in HALF and v.is_floating_point() else v).clone() for k, v in model.state_dict().items()}
    buf = io.BytesIO()
    torch.save(sd, buf)
    return buf.getvalue()

def shipped_accuracy(path, name, dataset):
    "The accuracy, on the validation split, of the model with the (checked) weights in `path`"
    from digitclf.catalog import DATASETS
    from digitclf.data import load_mnist
    from digitclf.models import accuracy
    import digitclf.model_cache as mc
    x, y = load_mnist('valid', DATASETS[dataset])
    model = mc._load(path, name, dataset, torch.device('cpu'))
    return accuracy(model, x, y)

def build(out:Path):
    import fastai
    from digitclf.catalog import DATASETS
    from digitclf.data import load_mnist
    from digitclf.models import RECIPES, train_classifier
    out.mkdir(parents=True, exist_ok=True)
    info = dict(seed=SEED, threads=THREADS, device='cpu', torch=torch.__version__, fastai=fastai.__version__,
                recipes=RECIPES, float16=list(HALF), split='valid', files={})
    for dataset in DATASETS:
        x, y = load_mnist('train', DATASETS[dataset])
        for name in NAMES:
            start = time.perf_counter()
            model = train_classifier(name, x, y, seed=SEED, show_progress=False)
            secs = time.perf_counter() - start
            data = stored(model, name)
            path = out/f'{dataset}-{name}.pt'
            tmp = path.with_name(path.name + '.partial')
            tmp.write_bytes(data); os.replace(tmp, path)
            acc = shipped_accuracy(path, name, dataset)
            info['files'][path.name] = dict(model=name, dataset=dataset, accuracy=acc, train_s=round(secs, 1), bytes=len(data),
                                            sha256=hashlib.sha256(data).hexdigest())
            print(f'{path.name:18} {len(data)/1e3:7.1f} kB  accuracy {acc:.4f}  trained in {secs:6.1f} s', flush=True)
    (out/'weights.json').write_text(json.dumps(info, indent=1) + '\n')
    print(f"total {sum(f['bytes'] for f in info['files'].values())/1e6:.2f} MB")

def check(out:Path) -> bool:
    info = json.loads((out/'weights.json').read_text())
    ok = True
    for fname, f in info['files'].items():
        acc = shipped_accuracy(out/fname, f['model'], f['dataset'])
        same = acc == f['accuracy'] and hashlib.sha256((out/fname).read_bytes()).hexdigest() == f['sha256']
        ok &= same
        print(f"{fname:18} recorded {f['accuracy']:.4f}  now {acc:.4f}  {'ok' if same else 'DIFFERENT'}")
    return ok

def rebuild_check(out:Path, tolerance:float=TOLERANCE) -> bool:
    "Train every model again into a temporary folder and compare its accuracy with the one recorded in `out`"
    import tempfile
    recorded = json.loads((out/'weights.json').read_text())['files']
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        rebuilt = json.loads((Path(tmp)/'weights.json').read_text())['files']
    ok = set(rebuilt) == set(recorded)
    print(f"rebuilt against recorded, tolerance {tolerance}:")
    for fname, f in recorded.items():
        got = rebuilt.get(fname, {}).get('accuracy', float('nan'))
        close = abs(got - f['accuracy']) <= tolerance
        ok &= close
        print(f"{fname:18} recorded {f['accuracy']:.4f}  rebuilt {got:.4f}  {got - f['accuracy']:+.4f}  {'ok' if close else 'TOO FAR'}")
    return ok

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--out', type=Path, default=Path(__file__).resolve().parent.parent/'digitclf'/'weights')
    p.add_argument('--check', action='store_true', help="recompute the shipped models' accuracies and compare with weights.json")
    p.add_argument('--rebuild-check', action='store_true', help=f"train them all again elsewhere and compare with weights.json (within {TOLERANCE})")
    args = p.parse_args()
    torch.set_num_threads(THREADS)
    if args.check: sys.exit(0 if check(args.out) else 1)
    if args.rebuild_check: sys.exit(0 if rebuild_check(args.out) else 1)
    build(args.out)
