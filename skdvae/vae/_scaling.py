"""DiffusionVAE's internal units: the data centred and divided by one scale.

The networks train on ``(X - mean) / scale`` with one global ``scale`` (the
root-mean-square distance of the training entries from their feature means),
so that the fitted model does not depend on the data's units: data multiplied
by ``c`` give the same networks and samples multiplied by ``c``. One scale for
all features keeps the geometry (distances, hence the kernel graph) up to that
factor; scaling features separately would change the manifold, and is left to
the user (a :class:`~sklearn.preprocessing.StandardScaler` in a pipeline).
"""

import numpy as np

__all__ = ["fit_data_scale", "from_model_units", "to_model_units"]


def fit_data_scale(X):
    """Feature means and the global root-mean-square deviation of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite training data.

    Returns
    -------
    mean : ndarray of shape (n_features,)
        Feature means (float64).
    scale : float
        Root-mean-square deviation over all entries, computed without
        overflow or underflow for any finite data (the deviations are divided
        by their largest magnitude first).

    Raises
    ------
    ValueError
        If all samples are identical: there is no manifold to learn.
    """
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    deviation = X - mean
    largest = float(np.abs(deviation).max())
    if largest == 0.0:
        raise ValueError(
            f"All {X.shape[0]} training samples are identical; DiffusionVAE "
            "needs at least two distinct samples."
        )
    scale = largest * float(np.sqrt(np.mean((deviation / largest) ** 2)))
    return mean, scale


def to_model_units(X, mean, scale):
    """``(X - mean) / scale`` in the dtype of ``X`` (None passes through)."""
    if X is None:
        return None
    return ((X - mean) / scale).astype(X.dtype, copy=False)


def from_model_units(X, mean, scale):
    """``X * scale + mean`` in the dtype of ``X``: back to the data's units."""
    return (X * scale + mean).astype(X.dtype, copy=False)
