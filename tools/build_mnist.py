#!/usr/bin/env python
"""Build `digitclf/mnist.npz`, the copy of MNIST the package ships, from the official IDX files.

Usage: python tools/build_mnist.py [SRC_DIR] [OUT_FILE]
(defaults: ../shared/data/mnist and digitclf/mnist.npz, relative to the repository root).

It checks the sha256 of each uncompressed IDX file against the table in the source folder's
README.md and the per-digit label counts, then writes one compressed `.npz` with uint8 arrays
`train_images` (60000,28,28), `train_labels` (60000,), `test_images` (10000,28,28) and
`test_labels` (10000,). The archive is byte-for-byte reproducible (fixed entry dates and order).
"""
import gzip, hashlib, io, re, sys, zipfile
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FILES = {'train_images': 'train-images-idx3-ubyte.gz', 'train_labels': 'train-labels-idx1-ubyte.gz',
         'test_images': 't10k-images-idx3-ubyte.gz', 'test_labels': 't10k-labels-idx1-ubyte.gz'}
COUNTS = {'train_labels': [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
          'test_labels': [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]}

def readme_checksums(src):
    "The `file -> sha256` table of the source folder's README.md"
    text = (src/'README.md').read_text()
    return dict(re.findall(r'^\|\s*(\S+\.gz)\s*\|.*\|\s*([0-9a-f]{64})\s*\|\s*$', text, flags=re.M))

def read_idx(path, expected_sha256):
    "The array in the gzipped IDX file at `path`, after checking its sha256"
    raw = gzip.decompress(path.read_bytes())
    got = hashlib.sha256(raw).hexdigest()
    if got != expected_sha256: sys.exit(f'{path}: sha256 {got} does not match README ({expected_sha256})')
    magic, ndim = int.from_bytes(raw[:4], 'big'), raw[3]
    if magic >> 8 != 0x08: sys.exit(f'{path}: not an unsigned-byte IDX file (magic {magic:#x})')
    shape = [int.from_bytes(raw[4+4*i:8+4*i], 'big') for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4+4*ndim).reshape(shape)

def write_npz(arrays, out):
    "Write `arrays` to `out` as a deterministic compressed .npz"
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(f'{name}.npy', date_time=(1998, 11, 1, 0, 0, 0)), buf.getvalue(),
                        compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)

def main(src=ROOT.parent/'shared'/'data'/'mnist', out=ROOT/'digitclf'/'mnist.npz'):
    src, out = Path(src), Path(out)
    sums = readme_checksums(src)
    arrays = {k: read_idx(src/f, sums[f]) for k, f in FILES.items()}
    for k, counts in COUNTS.items():
        got = np.bincount(arrays[k], minlength=10).tolist()
        if got != counts: sys.exit(f'{k}: digit counts {got} differ from the README ({counts})')
    write_npz(arrays, out)
    print(f'wrote {out} ({out.stat().st_size/1e6:.1f} MB, sha256 {hashlib.sha256(out.read_bytes()).hexdigest()})')

if __name__ == '__main__': main(*sys.argv[1:])
