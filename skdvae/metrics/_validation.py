"""Argument checks and shared helpers of the metrics (private)."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_array


def _check_2d(X, min_samples=1):
    return check_array(X, dtype=np.float64, ensure_min_samples=min_samples)


def _check_paired(X, Z, names=("X", "Z"), min_samples=2):
    X, Z = _check_2d(X, min_samples), _check_2d(Z, min_samples)
    if X.shape[0] != Z.shape[0]:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same number of samples, "
            f"got {X.shape[0]} and {Z.shape[0]}."
        )
    return X, Z


def _check_int(value, name, low, high=None):
    if not isinstance(value, Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}.")
    if value < low or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {bounds}, got {value}.")
    return int(value)


def _check_positive(value, name):
    if not isinstance(value, Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite float, got {value!r}.")
    return float(value)


def _subsample(n, max_samples, rng):
    """Sorted indices of a random subset of ``min(n, max_samples)`` rows."""
    if n <= max_samples:
        return np.arange(n)
    return np.sort(rng.choice(n, max_samples, replace=False))


def _import_optional(module):
    try:
        return __import__(module)
    except ImportError as exc:
        raise ImportError(
            f"This metric needs the optional dependency {module!r}; install it "
            "with `pip install skdvae[metrics]`."
        ) from exc
