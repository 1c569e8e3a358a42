"""Held-out round-trip error of DiffusionMap for each automatic bandwidth.

Run ``python -m benchmarks.bench_bandwidth``. The figures behind the default of
``DiffusionMap(epsilon=...)``: 3-fold cross-validated ``DiffusionMap.score``
(negative mean squared round-trip error, higher is better) and the Spearman
correlation of the embedding with the true coordinates, for ``"median"`` and
``"bgh"``, with and without the adaptive bandwidth, on a noisy circle, a loop
sampled unevenly along its length, a Swiss roll and the digits.
"""

import warnings

import numpy as np
from scipy.stats import spearmanr
from sklearn.datasets import load_digits, make_swiss_roll
from sklearn.model_selection import cross_val_score

from skdvae import DiffusionMap


def _datasets():
    rng = np.random.RandomState(0)
    theta = rng.uniform(0, 2 * np.pi, 1000)
    circle = np.c_[np.cos(theta), np.sin(theta)] + rng.normal(
        scale=0.02, size=(1000, 2)
    )
    roll, t = make_swiss_roll(3000, noise=0.2, random_state=0)
    s = rng.uniform(0, 2 * np.pi, 2000)  # uniform in s: uneven along the curve
    loop = np.c_[np.cos(s), np.sin(2 * s), np.sin(3 * s)]
    digits = load_digits().data / 16.0
    return {
        "noisy circle (1000)": (circle, None),
        "loop (2000)": (loop, None),
        "swiss roll (3000, noise 0.2)": (roll, np.c_[t, roll[:, 1]]),
        "digits (1797)": (digits, None),
    }


def _unrolled(Z, truth):
    """Best |Spearman| of each true coordinate with either embedding axis."""
    return [max(abs(spearmanr(Z[:, j], col)[0]) for j in range(2)) for col in truth.T]


def main():
    warnings.simplefilter("ignore")
    header = f"{'data':30s} {'epsilon':8s} {'adaptive':8s} {'CV score':>10s}"
    print(f"{header} {'spearman':>16s}")
    for name, (X, truth) in _datasets().items():
        for epsilon in ["median", "bgh"]:
            for adaptive in [False, True]:
                dm = DiffusionMap(
                    epsilon=epsilon, adaptive_bandwidth=adaptive, random_state=0
                )
                score = cross_val_score(dm, X, cv=3).mean()
                sp = ""
                if truth is not None:
                    sp = str(np.round(_unrolled(dm.fit_transform(X), truth), 3))
                row = f"{name:30s} {epsilon:8s} {adaptive!s:8s} {score:10.4g}"
                print(f"{row} {sp:>16s}")


if __name__ == "__main__":
    main()
