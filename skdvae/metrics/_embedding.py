"""Embedding quality: neighbourhood preservation, distance ranks, bi-Lipschitz.

Public names are re-exported by :mod:`skdvae.metrics`.
"""

from numbers import Integral

import numpy as np
from scipy.spatial.distance import pdist
from scipy.stats import spearmanr
from sklearn.manifold import trustworthiness as _sk_trustworthiness
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state

from skdvae.utils._sklearn_compat import Interval, validate_params

from ._validation import _check_paired, _check_upper, _subsample

__all__ = [
    "continuity",
    "local_bilipschitz",
    "spearman_correlation",
    "trustworthiness",
]


# --------------------------------------------------------------------------
# Neighbourhood preservation
# --------------------------------------------------------------------------
@validate_params(
    {
        "X": ["array-like"],
        "Z": ["array-like"],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def trustworthiness(X, Z, n_neighbors=10):
    """Measure whether neighbours in the embedding are true neighbours.

    Wraps :func:`sklearn.manifold.trustworthiness`: the penalty is the rank,
    in the original space, of points that enter the ``n_neighbors`` nearest
    neighbours in the embedding without being neighbours in ``X``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Original data.
    Z : array-like of shape (n_samples, n_components)
        Embedding of ``X``, row by row.
    n_neighbors : int, default=10
        Neighbourhood size; must be below ``n_samples / 2``.

    Returns
    -------
    score : float
        In ``[0, 1]``; 1 means no false neighbours.

    See Also
    --------
    continuity : The same score with the roles of ``X`` and ``Z`` swapped.

    References
    ----------
    .. [1] J. Venna and S. Kaski, "Neighborhood preservation in nonlinear
       projection methods: An experimental study", ICANN 2001.

    Examples
    --------
    >>> import numpy as np
    >>> from skdvae.metrics import trustworthiness
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> trustworthiness(X, 2 * X, n_neighbors=5)
    1.0
    """
    X, Z = _check_paired(X, Z)
    return float(_sk_trustworthiness(X, Z, n_neighbors=n_neighbors))


@validate_params(
    {
        "X": ["array-like"],
        "Z": ["array-like"],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def continuity(X, Z, n_neighbors=10):
    """Measure whether true neighbours stay neighbours in the embedding.

    Equal to ``trustworthiness(Z, X)``: it penalises points that are among the
    ``n_neighbors`` nearest neighbours in ``X`` but not in the embedding, by
    their rank in the embedding.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Original data.
    Z : array-like of shape (n_samples, n_components)
        Embedding of ``X``, row by row.
    n_neighbors : int, default=10
        Neighbourhood size; must be below ``n_samples / 2``.

    Returns
    -------
    score : float
        In ``[0, 1]``; 1 means no neighbour is torn away.

    See Also
    --------
    trustworthiness : The same score with the roles swapped.

    References
    ----------
    .. [1] J. Venna and S. Kaski, "Neighborhood preservation in nonlinear
       projection methods: An experimental study", ICANN 2001.

    Examples
    --------
    >>> import numpy as np
    >>> from skdvae.metrics import continuity
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> continuity(X, X[:, :2], n_neighbors=5) < 1.0
    True
    """
    X, Z = _check_paired(X, Z)
    return float(_sk_trustworthiness(Z, X, n_neighbors=n_neighbors))


@validate_params(
    {
        "true_params": ["array-like"],
        "Z": ["array-like"],
        "max_samples": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def spearman_correlation(true_params, Z, max_samples=1000, random_state=None):
    """Spearman correlation of pairwise distances in parameter and latent space.

    A subsample of at most ``max_samples`` points is drawn without
    replacement (seeded by ``random_state``); every pair of those points
    contributes one Euclidean distance in each space, and the score is the
    Spearman rank correlation of the two lists of
    ``max_samples * (max_samples - 1) / 2`` distances. It rewards any
    monotone relation between true and embedded distances.

    Parameters
    ----------
    true_params : array-like of shape (n_samples,) or (n_samples, n_params)
        True intrinsic parameters. Periodic parameters should be given
        through an embedding that respects their topology, e.g. an angle
        ``s`` as ``(cos s, sin s)``.
    Z : array-like of shape (n_samples, n_components)
        Embedding, aligned row by row with ``true_params``.
    max_samples : int, default=1000
        Size of the subsample of points.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsample.

    Returns
    -------
    rho : float
        In ``[-1, 1]``; 1 for a distance-monotone embedding.

    References
    ----------
    .. [1] C. Spearman, "The proof and measurement of association between two
       things", American Journal of Psychology, 1904.

    Examples
    --------
    >>> import numpy as np
    >>> from skdvae.metrics import spearman_correlation
    >>> t = np.random.default_rng(0).uniform(size=30)
    >>> rho = spearman_correlation(t, np.column_stack([2 * t + 1, np.zeros(30)]))
    >>> round(rho, 6)
    1.0
    """
    params = np.asarray(true_params)
    params = params.reshape(-1, 1) if params.ndim == 1 else params
    params, Z = _check_paired(params, Z, ("true_params", "Z"))
    idx = _subsample(len(Z), max_samples, check_random_state(random_state))
    d_true, d_emb = pdist(params[idx]), pdist(Z[idx])
    if np.ptp(d_true) == 0 or np.ptp(d_emb) == 0:
        raise ValueError("All pairwise distances are equal in one of the spaces.")
    return float(spearmanr(d_true, d_emb).statistic)


@validate_params(
    {
        "Z": ["array-like"],
        "X_decoded": ["array-like"],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def local_bilipschitz(Z, X_decoded, n_neighbors=10):
    """Local bi-Lipschitz constant of a decoder at each latent point.

    For latent point ``i`` with its ``n_neighbors`` nearest latent neighbours
    ``j`` (itself excluded), the constant is
    ``max_j max(dz_ij / dx_ij, dx_ij / dz_ij)``, with ``dz`` the latent and
    ``dx`` the decoded Euclidean distances. Because the two spaces have
    unrelated units, each is first divided by its median over all those
    neighbour pairs; the constant is therefore invariant to rescaling either
    space, equals 1 exactly for a similarity (a scaled isometry) and measures
    how unevenly the decoder stretches distances. A pair at distance zero in
    both spaces has ratio 1; at zero in one space only, the ratio is ``inf``.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_components)
        Latent points.
    X_decoded : array-like of shape (n_samples, n_features)
        Decoding of ``Z``: row ``i`` is the decoder's output for ``Z[i]``.
    n_neighbors : int, default=10
        Number of latent neighbours examined per point.

    Returns
    -------
    constants : ndarray of shape (n_samples,)
        Per-point constants, all ``>= 1`` (lower is better); report their
        mean and spread.

    References
    ----------
    .. [1] H. Li, O. Lindenbaum, X. Cheng and A. Cloninger, "Variational
       Diffusion Autoencoders with Random Walk Sampling", ECCV 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from skdvae.metrics import local_bilipschitz
    >>> Z = np.random.default_rng(0).normal(size=(40, 2))
    >>> X = np.column_stack([Z, np.zeros(40)]) * 5.0  # scaled isometric embedding
    >>> np.allclose(local_bilipschitz(Z, X, n_neighbors=5), 1.0)
    True
    """
    Z, X = _check_paired(Z, X_decoded, ("Z", "X_decoded"))
    _check_upper(n_neighbors, "n_neighbors", Z.shape[0] - 1)
    nn = NearestNeighbors(n_neighbors=n_neighbors).fit(Z)
    dz, idx = nn.kneighbors(return_distance=True)
    # One neighbour rank at a time: O(n * n_features) memory, not O(n k d).
    dx = np.column_stack([np.linalg.norm(X - X[j], axis=1) for j in idx.T])
    scales = [np.median(d) for d in (dz, dx)]
    if min(scales) == 0:
        raise ValueError(
            "The median neighbour distance is zero in Z or X_decoded; too many "
            "duplicate points to normalise the two spaces."
        )
    dz, dx = dz / scales[0], dx / scales[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.maximum(dz / dx, dx / dz)
    ratio[(dz == 0) & (dx == 0)] = 1.0
    return ratio.max(axis=1)
