"""Selection of non-redundant diffusion coordinates.

On an elongated manifold several leading eigenvectors are harmonics of the
same direction (on a Swiss roll the first two both follow the roll). Dsilva et
al. (2018) detect them by local linear regression: an eigenvector that is a
smooth function of the eigenvectors before it adds no new direction. Its
normalised leave-one-out residual ``r_k`` is then small; a new direction has
``r_k`` near 1.
"""

import numpy as np

__all__ = ["llr_residuals", "select_components"]


def _loo_local_linear_fit(features, target, bandwidth):
    """Leave-one-out local linear regression of ``target`` on ``features``."""
    n = features.shape[0]
    sq = np.sum((features[:, None, :] - features[None, :, :]) ** 2, axis=-1)
    weights = np.exp(-sq / bandwidth**2)
    np.fill_diagonal(weights, 0.0)
    design = np.hstack([np.ones((n, 1)), features])
    # Normal equations of every point's weighted fit at once: for point i,
    # (A^T W_i A) beta_i = A^T W_i y, then predict at a_i.
    p = design.shape[1]
    outer = (design[:, :, None] * design[:, None, :]).reshape(n, p * p)
    gram = (weights @ outer).reshape(n, p, p) + 1e-10 * np.eye(p)
    rhs = weights @ (design * target[:, None])
    beta = np.linalg.solve(gram, rhs[..., None])[..., 0]
    return np.sum(design * beta, axis=1)


def llr_residuals(psi, bandwidth_factor=3.0):
    """Normalised leave-one-out local-linear-regression residuals.

    Parameters
    ----------
    psi : ndarray of shape (n_samples, n_candidates)
        Candidate eigenvectors (non-trivial), ordered by decreasing eigenvalue.
    bandwidth_factor : float, default=3.0
        The regression kernel bandwidth is the median pairwise distance in the
        feature space divided by this factor (Dsilva et al. use 3).

    Returns
    -------
    residuals : ndarray of shape (n_candidates,)
        ``r_1 = 1``; ``r_k`` in [0, ~1] measures how much ``psi_k`` is *not* a
        function of ``psi_1 ... psi_{k-1}``.

    References
    ----------
    C. J. Dsilva, R. Talmon, R. R. Coifman and I. G. Kevrekidis, "Parsimonious
    representation of nonlinear dynamical systems through manifold learning: a
    chemotaxis case study", Appl. Comput. Harmon. Anal. 44 (2018) 759-773.
    """
    residuals = np.ones(psi.shape[1])
    for k in range(1, psi.shape[1]):
        features, target = psi[:, :k], psi[:, k]
        diffs = features[:, None, :] - features[None, :, :]
        median = np.median(np.sqrt(np.sum(diffs**2, axis=-1)))
        fitted = _loo_local_linear_fit(features, target, median / bandwidth_factor)
        residuals[k] = np.sqrt(np.sum((target - fitted) ** 2) / np.sum(target**2))
    return residuals


def select_components(psi, n_components, max_samples, random_state):
    """Indices of the ``n_components`` least redundant eigenvectors.

    Parameters
    ----------
    psi : ndarray of shape (n_samples, n_candidates)
        Candidate eigenvectors ordered by decreasing eigenvalue.
    n_components : int
        Number to keep.
    max_samples : int
        The regression is ``O(n^2)``; at most this many rows, drawn with
        ``random_state``, are used.
    random_state : numpy.random.RandomState
        Draws the subsample.

    Returns
    -------
    selected : ndarray of shape (n_components,)
        Column indices, in increasing order (decreasing eigenvalue).
    residuals : ndarray of shape (n_candidates,)
        The residuals of :func:`llr_residuals`.
    """
    if psi.shape[0] > max_samples:
        rows = np.sort(random_state.choice(psi.shape[0], max_samples, replace=False))
        psi = psi[rows]
    residuals = llr_residuals(psi)
    # Stable sort so that equal residuals keep eigenvalue order.
    best = np.argsort(-residuals, kind="stable")[:n_components]
    return np.sort(best), residuals
