#!/usr/bin/env python
"""Make the files of the playground page (chapter 10, nbs/10_playground.ipynb) that git does not hold, before `nbdev-docs`:

- nbs/playground/models/: `models.json` and `cnn.onnx`, written by `digitclf.playground.export_playground` from the
  library's trained models, as `get_model` gives them (from the cache, `$DIGITCLF_DATA`; else the shipped weights;
  else trained);
- nbs/playground/ort/: onnxruntime-web's WebAssembly build, copied from node_modules (run `npm ci` first).

Usage: python tools/build_playground.py [--data full|sample]
"""
import argparse, shutil, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT/'nbs'/'playground'
ORT_FILES = ('ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm')  # the WebAssembly backend alone

def copy_ort(dest:Path=PAGE/'ort', src:Path=ROOT/'node_modules'/'onnxruntime-web'/'dist') -> list:
    "Copy onnxruntime-web's WebAssembly build from `src` into `dest`; the paths copied"
    missing = [f for f in ORT_FILES if not (src/f).is_file()]
    if missing: sys.exit(f"build_playground: {', '.join(missing)} not in {src}: run `npm ci` in {ROOT} first")
    if dest.exists(): shutil.rmtree(dest)
    dest.mkdir(parents=True)
    return [Path(shutil.copy2(src/f, dest/f)) for f in ORT_FILES]

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', default='full', choices=('full', 'sample'), help="the digits of the page's CNN (default: full)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    copied = copy_ort()
    from digitclf.playground import export_playground
    sizes = export_playground(PAGE/'models', args.data, say=lambda msg: print(f"build_playground: {msg}", flush=True))
    for f in copied: print(f"{f.relative_to(ROOT)}: {f.stat().st_size/1e6:.2f} MB")
    for f, n in sizes.items(): print(f"{(PAGE/'models'/f).relative_to(ROOT)}: {n/1e3:.0f} kB")
    print(f"build_playground: model files {sum(sizes.values())/1e3:.0f} kB together, in {time.perf_counter() - start:.1f} s")

if __name__ == '__main__': main()
