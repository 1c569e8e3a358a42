"""The latent prior of DiffusionVAE: one diffusion step seen in latent space.

The prior of a walk step from ``x`` is ``N(psi(x), Sigma(x))`` with
``Sigma(x)`` the spread of the embedded data-space neighbours of ``x`` around
its own embedding, plus a small floor (``docs/method.md``). numpy only.
"""

import numpy as np

__all__ = [
    "global_scale",
    "local_covariances",
    "mean_step_variance",
    "prior_cholesky",
]


def global_scale(A):
    """Root mean variance over columns; 1 if the data are constant."""
    scale = float(np.sqrt(np.mean(np.var(A, axis=0)))) if len(A) else 0.0
    return scale if scale > 0 else 1.0


def local_covariances(E_query, neighbor_index, E_ref):
    """Spread of the embedded neighbours around each query, uniform weights.

    ``Sigma_i = (1/k) sum_j (E_ref[j] - E_query[i]) (E_ref[j] - E_query[i])^T``
    over the ``k`` neighbours ``j`` of point ``i`` in data space: centred on the
    point's own embedding, not the uncentred second moment.
    """
    diff = E_ref[neighbor_index] - E_query[:, None, :]
    return np.einsum("nki,nkj->nij", diff, diff) / neighbor_index.shape[1]


def mean_step_variance(E, neighbor_index):
    """Mean per-coordinate variance of one walk step in the embedding ``E``."""
    spread = local_covariances(E, neighbor_index, E)
    return float(np.trace(spread, axis1=1, axis2=2).mean()) / E.shape[1]


def prior_cholesky(E_query, neighbor_index, E_ref, floor):
    """Cholesky factors of the prior covariances ``Sigma(x) + floor I``.

    Parameters
    ----------
    E_query : ndarray of shape (n, D)
        Embeddings of the points whose prior is wanted.
    neighbor_index : ndarray of shape (n, k)
        Their data-space neighbours among the reference points.
    E_ref : ndarray of shape (n_ref, D)
        Embeddings of the reference (training) points.
    floor : float
        Absolute floor ``lambda`` added to the diagonal.

    Returns
    -------
    chol : ndarray of shape (n, D, D)
        Lower-triangular factors.
    """
    cov = local_covariances(E_query, neighbor_index, E_ref)
    return np.linalg.cholesky(cov + floor * np.eye(E_query.shape[1]))
