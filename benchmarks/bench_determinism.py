"""How reproducible a large DiffusionMap fit is, bit for bit.

Run ``python -m benchmarks.bench_determinism [--n-samples N]`` (a few minutes
on 2 cores; prints its table). Behind the tolerance with which
``DiffusionVAE(accelerate=True)`` compares the processes' stage-1 results
(``skdvae/vae/_accelerate.py``, ``COORDINATE_RTOL``) and the advice on
``NUMBA_NUM_THREADS`` in ``docs/scaling.md``.

The data are Gaussian, 30 features with three of them five times wider. Part 1
fits :class:`skdvae.DiffusionMap` twice in this process with the same
``random_state`` and reports the largest difference of the embeddings and
whether the eigenvalues are equal, for exact and approximate neighbours in
float64 and float32. Part 2 prints a digest of pynndescent's neighbour graph:
run the command with different ``NUMBA_NUM_THREADS`` (and repeatedly with the
same) to compare graphs across processes.
"""

import argparse
import hashlib
import os

import numpy as np

from skdvae import DiffusionMap


def make_data(n_samples, dtype):
    """Gaussian data, 30 features of which three are five times wider."""
    X = np.random.default_rng(0).normal(size=(n_samples, 30))
    X[:, :3] *= 5.0
    return X.astype(dtype)


def refit_difference(X, neighbors):
    """Two fits with one seed: largest embedding difference, equal eigenvalues."""
    first = DiffusionMap(neighbors=neighbors, random_state=0).fit(X)
    second = DiffusionMap(neighbors=neighbors, random_state=0).fit(X)
    difference = float(np.abs(first.embedding_ - second.embedding_).max())
    scale = float(np.abs(first.embedding_).max())
    same_values = bool(np.array_equal(first.eigenvalues_, second.eigenvalues_))
    return first.eigen_solver_, difference, scale, same_values


def graph_digest(X):
    """SHA-256 prefix of the approximate neighbour indices of ``X``."""
    dm = DiffusionMap(neighbors="approximate", random_state=0).fit(X)
    indices = np.ascontiguousarray(dm._search.indices_)
    return hashlib.sha256(indices.tobytes()).hexdigest()[:16]


def main(argv=None):
    """Print both parts for ``--n-samples`` points."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=25_000)
    args = parser.parse_args(argv)
    threads = os.environ.get("NUMBA_NUM_THREADS", "unset")
    print(f"{args.n_samples} points, NUMBA_NUM_THREADS={threads}")
    print(
        "| neighbours | dtype | eigensolver | max difference | max value | "
        "equal eigenvalues |"
    )
    print("|---|---|---|---|---|---|")
    for neighbors in ("exact", "approximate"):
        for dtype in (np.float64, np.float32):
            X = make_data(args.n_samples, dtype)
            solver, difference, scale, same = refit_difference(X, neighbors)
            print(
                f"| {neighbors} | {np.dtype(dtype).name} | {solver} | "
                f"{difference:.3g} | {scale:.3g} | {same} |"
            )
    digest = graph_digest(make_data(args.n_samples, np.float32))
    print(f"approximate neighbour graph digest: {digest}")


if __name__ == "__main__":
    main()
