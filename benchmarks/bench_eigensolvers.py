"""Fit time of DiffusionMap's eigensolvers on Swiss rolls of growing size.

Run ``python -m benchmarks.bench_eigensolvers [sizes...]``. The figures behind
the ``eigen_solver="auto"`` thresholds in ``skdvae/_dm_checks.py``. Shift-invert
ARPACK factorises the shifted operator, whose fill-in grows faster than
linearly, so it is skipped above 100,000 points. Default settings otherwise, so
11 eigenpairs are computed (10 candidates for the coordinate selection, plus the
trivial one): LOBPCG's cost grows with that block size.
"""

import sys
import time

from sklearn.datasets import make_swiss_roll

from skdvae import DiffusionMap


def main(sizes=(50_000, 100_000, 200_000)):
    print(f"{'n':>8s} {'solver':>7s} {'fit s':>7s}")
    for n in sizes:
        X, _ = make_swiss_roll(n, random_state=0)
        for solver in ("arpack", "amg"):
            if solver == "arpack" and n > 100_000:
                continue
            dm = DiffusionMap(eigen_solver=solver, random_state=0)
            start = time.perf_counter()
            dm.fit(X)
            print(f"{n:8d} {solver:>7s} {time.perf_counter() - start:7.2f}", flush=True)


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (50_000, 100_000, 200_000))
