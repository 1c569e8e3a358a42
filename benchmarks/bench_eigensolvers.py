"""Fit time of DiffusionMap's eigensolvers on data of growing size.

Run ``python -m benchmarks.bench_eigensolvers [--data swiss_roll|fashion_mnist]
[sizes...]``. The figures behind the ``eigen_solver="auto"`` thresholds in
``skdvae/_dm_checks.py``. Shift-invert ARPACK factorises the shifted operator:
on a low-dimensional manifold (the Swiss roll) the sparse LU stays cheap, on
high-dimensional data (Fashion-MNIST, 784 pixels) the kNN graph is
expander-like and the LU fills in, so ARPACK's time and memory grow far faster
than AMG's. Both data sets are measured so that the threshold holds for both.
Default settings otherwise, so 11 eigenpairs are computed (10 candidates for
the coordinate selection, plus the trivial one). Each fit runs in a fresh
process, whose peak resident memory is reported; each AMG line also gives the
largest difference between its candidate eigenvalues and ARPACK's.
"""

import argparse
import multiprocessing
import resource
import time

import numpy as np
from sklearn.datasets import make_swiss_roll

from skdvae import DiffusionMap
from skdvae.datasets import load_fashion_mnist

#: ARPACK is skipped above this size (its sparse LU grows faster than AMG's
#: hierarchy; on the roll it needs more memory than AMG from about 100,000).
ARPACK_LIMIT = 100_000
#: Largest size of each data set (Fashion-MNIST has 60,000 training images).
MAX_SIZE = {"swiss_roll": None, "fashion_mnist": 60_000}


def load(data, n):
    """The first ``n`` points of ``data``."""
    if data == "swiss_roll":
        return make_swiss_roll(n, random_state=0)[0]
    return load_fashion_mnist()[0][:n]


def _fit(data, n, solver):
    """Fit in this (child) process; return seconds, peak MiB, eigenvalues."""
    X = load(data, n)
    if data == "fashion_mnist":  # compile pynndescent outside the timing
        DiffusionMap(neighbors="approximate", random_state=0).fit(X[:3000])
    dm = DiffusionMap(eigen_solver=solver, random_state=0)
    start = time.perf_counter()
    dm.fit(X)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return seconds, peak, dm.candidate_eigenvalues_


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=sorted(MAX_SIZE), default="swiss_roll")
    parser.add_argument("sizes", nargs="*", type=int, default=[50_000, 100_000])
    args = parser.parse_args(argv)
    limit = MAX_SIZE[args.data]
    if limit is not None and max(args.sizes) > limit:
        parser.error(f"{args.data} has {limit} points; got sizes {args.sizes}.")
    context = multiprocessing.get_context("spawn")
    print(f"{'n':>8s} {'solver':>7s} {'fit s':>7s} {'peak MiB':>9s} {'eig diff':>9s}")
    for n in args.sizes:
        reference = None
        for solver in ("arpack", "amg"):
            if solver == "arpack" and n > ARPACK_LIMIT:
                continue
            with context.Pool(1) as pool:
                seconds, peak, values = pool.apply(_fit, (args.data, n, solver))
            if reference is None:  # ARPACK's, or none when it was skipped
                reference, diff = values, ""
            else:
                diff = f"{np.abs(values - reference).max():.1e}"
            row = f"{n:8d} {solver:>7s} {seconds:7.2f} {peak:9.0f} {diff:>9s}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
