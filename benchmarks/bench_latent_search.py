"""Time of the nearest-embedding search of DiffusionVAE's stage 2.

Run ``python -m benchmarks.bench_latent_search [sizes...]``. Every training
step looks up, for each of its 128 sampled latent steps, the training point
whose embedding is nearest. The brute force of
:func:`skdvae.losses.nearest_reference` ranks all ``n`` embeddings per query
(an epoch then costs ``O(n^2)``); :class:`skdvae._latent_geometry.LatentSearch`
asks a k-d tree. One thread, standard normal embeddings, milliseconds per
batch, and the largest difference between the distances to the two answers
(float64; the float32 brute force may rank near-ties differently). These
numbers set ``_TREE_MAX_DIM`` and ``_TREE_MIN_SAMPLES`` in
``skdvae/_latent_geometry.py``.
"""

import sys
import time
from functools import partial

import numpy as np
import torch

from skdvae.utils._torch import torch_threads
from skdvae.vae._latent_search import LatentSearch, nearest_reference

BATCH = 128
REPEATS = 50


def _ms_per_call(fn, query):
    start = time.perf_counter()
    for _ in range(REPEATS):
        out = fn(query)
    return 1e3 * (time.perf_counter() - start) / REPEATS, out


def _distance(query, reference, index):
    return (reference[index[:, 0]].double() - query.double()).norm(dim=1)


def main(sizes=(2000, 5000, 20_000, 60_000)):
    rng = np.random.default_rng(0)
    print(f"{'n':>7s} {'D':>3s} {'brute ms':>9s} {'tree ms':>8s} {'dist diff':>9s}")
    with torch_threads():
        for n in sizes:
            for dim in (2, 4, 8, 12):
                reference = torch.as_tensor(
                    rng.standard_normal((n, dim)), dtype=torch.float32
                )
                query = torch.as_tensor(
                    rng.standard_normal((BATCH, dim)), dtype=torch.float32
                )
                search = LatentSearch(reference.double().numpy(), 1)
                brute, a = _ms_per_call(
                    partial(nearest_reference, reference=reference), query
                )
                tree, b = _ms_per_call(search, query)
                diff = _distance(query, reference, a) - _distance(query, reference, b)
                diff = float(diff.abs().max())
                print(
                    f"{n:7d} {dim:3d} {brute:9.2f} {tree:8.2f} {diff:9.1e}", flush=True
                )


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (2000, 5000, 20_000, 60_000))
