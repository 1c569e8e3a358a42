"""DiffusionVAE's internal units: the data centred and divided by one scale.

The networks train on ``(X - mean) / scale`` with one global ``scale`` (the
root-mean-square distance of the training entries from their feature means),
so that the fitted model does not depend on the data's units: data multiplied
by ``c`` give the same networks and samples multiplied by ``c``. One scale for
all features keeps the geometry (distances, hence the kernel graph) up to that
factor; scaling features separately would change the manifold, and is left to
the user (a :class:`~sklearn.preprocessing.StandardScaler` in a pipeline).

The conversions run over blocks of rows, so float32 data is never copied
whole in float64: the extra memory is one block, whatever the number of
samples.
"""

import numpy as np

from skdvae.utils._blocks import row_blocks

__all__ = ["fit_data_scale", "from_model_units", "to_model_units"]

# Entries per block of rows converted at a time (8 MiB in float64).
BLOCK_ENTRIES = 2**20


def _row_blocks(X):
    """Blocks of consecutive rows of ``X``, about ``BLOCK_ENTRIES`` entries each."""
    return row_blocks(X.shape[0], max(1, BLOCK_ENTRIES // max(X.shape[1], 1)))


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
    X = np.asarray(X)
    mean = X.mean(axis=0, dtype=np.float64)
    blocks = _row_blocks(X)
    largest = max(float(np.abs(X[rows] - mean).max()) for rows in blocks)
    if largest == 0.0:
        raise ValueError(
            f"All {X.shape[0]} training samples are identical; DiffusionVAE "
            "needs at least two distinct samples."
        )
    square_sum = sum(
        float(np.sum(((X[rows] - mean) / largest) ** 2)) for rows in blocks
    )
    scale = largest * float(np.sqrt(square_sum / X.size))
    return mean, scale


def to_model_units(X, mean, scale):
    """``(X - mean) / scale`` in the dtype of ``X`` (None passes through)."""
    if X is None:
        return None
    out = np.empty_like(X)
    for rows in _row_blocks(X):
        out[rows] = (X[rows] - mean) / scale
    return out


def from_model_units(X, mean, scale):
    """``X * scale + mean`` in the dtype of ``X``: back to the data's units."""
    out = np.empty_like(X)
    for rows in _row_blocks(X):
        out[rows] = X[rows] * scale + mean
    return out
