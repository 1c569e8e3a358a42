"""Time of the nearest-embedding search of DiffusionVAE's stage 2.

Run ``python -m benchmarks.bench_latent_search [sizes...]``. Every training
step looks up, for each of its 128 sampled latent steps, the training point
whose embedding is nearest. The brute force of
:func:`skdvae.losses.nearest_reference` ranks all ``n`` embeddings per query
(an epoch then costs ``O(n^2)``); :class:`skdvae._latent_geometry.LatentSearch`
asks a scikit-learn neighbour index. One thread, standard normal embeddings
(the search cost does not depend on the distribution much), milliseconds per
batch, and a check that both return the same indices.
"""

import sys
import time
from functools import partial

import numpy as np
import torch

from skdvae._latent_geometry import LatentSearch
from skdvae._skorch import torch_threads
from skdvae.losses import nearest_reference

BATCH = 128
REPEATS = 50


def _ms_per_call(fn, query):
    start = time.perf_counter()
    for _ in range(REPEATS):
        out = fn(query)
    return 1e3 * (time.perf_counter() - start) / REPEATS, out


def main(sizes=(20_000, 60_000)):
    rng = np.random.default_rng(0)
    print(f"{'n':>7s} {'D':>3s} {'brute ms':>9s} {'tree ms':>8s} {'same':>5s}")
    with torch_threads(1):
        for n in sizes:
            for dim in (2, 8, 24):
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
                same = bool((a == b).all())
                print(
                    f"{n:7d} {dim:3d} {brute:9.2f} {tree:8.2f} {same!s:>5s}", flush=True
                )


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (20_000, 60_000))
