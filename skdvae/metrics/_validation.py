"""Argument checks and shared helpers of the metrics (private)."""

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


def _check_upper(value, name, high):
    """Raise if ``value`` exceeds a bound that depends on the data."""
    if value > high:
        raise ValueError(f"{name}={value} must be at most {high} for this data.")
    return int(value)


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
