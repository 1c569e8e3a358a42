"""Kernels and bandwidth selection on nearest-neighbour distances.

Everything here works on the ``(n_samples, n_neighbors)`` arrays of distances
that a k-nearest-neighbour search returns, or on the per-pair values of a sparse
graph, so memory stays ``O(n k)``. Only numpy is needed.

The kernel is a *tapered* Gaussian::

    k(x, y) = exp(-d^2 / (eps s_x s_y)) - exp(-R^2 / (eps s_x s_y))  if d < R,
    R = max(r_k(x), r_k(y)),

and zero beyond ``R``, where ``r_k(x)`` is the distance from ``x`` to its k-th
nearest neighbour and ``s_x`` its bandwidth scale (1 for a fixed bandwidth).
Shifting the Gaussian down by its value at the neighbourhood radius makes the
truncated kernel continuous, so the Nystrom extension, and with it
``DiffusionMap.transform``, is a continuous function of its input, and ties in
the neighbour ranking (points exactly at distance ``R``) carry zero weight
whichever way the search broke them.
"""

import numpy as np

# The adaptive bandwidth of a point is its distance to this neighbour
# (Zelnik-Manor and Perona use the 7th), capped by n_neighbors - 1.
ADAPTIVE_NEIGHBOR = 7

__all__ = [
    "ADAPTIVE_NEIGHBOR",
    "adaptive_neighbor",
    "adaptive_scales",
    "bgh_bandwidth",
    "median_bandwidth",
    "select_bandwidth",
    "tapered_gaussian",
]


def tapered_gaussian(sq_dist, sq_radius, epsilon, scale=1.0, shift=0.0):
    """Evaluate the tapered Gaussian kernel on squared distances.

    Parameters
    ----------
    sq_dist : ndarray
        Squared distances ``d^2``.
    sq_radius : ndarray
        Squared truncation radii ``R^2``, broadcastable to ``sq_dist``.
    epsilon : float
        Kernel bandwidth (the ``epsilon`` of ``exp(-d^2 / epsilon)``).
    scale : float or ndarray, default=1.0
        Product of the per-point bandwidth scales ``s_x s_y``.
    shift : float or ndarray, default=0.0
        Added to both exponents: the values are multiplied by ``e^shift``
        (not the degenerate ones below), which keeps a row whose every
        Gaussian underflows representable (:func:`row_shifts`).

    Returns
    -------
    values : ndarray
        Kernel values, non-negative, zero where ``d >= R``. Where ``R`` or
        the scale is 0 (a point with that many exact duplicates) only exact
        duplicates are linked, with weight 1.
    """
    denom = np.broadcast_to(epsilon * scale, np.shape(sq_dist))
    degenerate = (sq_radius <= 0) | (denom <= 0)
    safe = np.where(degenerate, 1.0, denom)
    values = np.exp(shift - sq_dist / safe) - np.exp(shift - sq_radius / safe)
    # A point with n_neighbors exact duplicates has radius 0, and one with as
    # many duplicates as its scale neighbour has scale 0: it links to its
    # duplicates only, with weight 1, instead of vanishing.
    values = np.where(degenerate, (sq_dist == 0).astype(np.float64), values)
    return np.maximum(values, 0.0)


def adaptive_neighbor(n_neighbors, adaptive_bandwidth):
    """The neighbour that sets the adaptive bandwidth scale, or None.

    Parameters
    ----------
    n_neighbors : int
        Neighbours per point, the point itself included.
    adaptive_bandwidth : bool
        Whether the kernel is adaptive.

    Returns
    -------
    neighbor : int or None
        ``min(7, n_neighbors - 1)``, or None for a fixed bandwidth.
    """
    if not adaptive_bandwidth:
        return None
    return min(ADAPTIVE_NEIGHBOR, n_neighbors - 1)


def adaptive_scales(knn_dist, n_neighbors_scale):
    """Per-point bandwidth scales of the self-tuning kernel.

    The scale of a point is its distance to its ``n_neighbors_scale``-th nearest
    neighbour (Zelnik-Manor and Perona, 2004), so the effective bandwidth grows
    where the data are sparse.

    Parameters
    ----------
    knn_dist : ndarray of shape (n_samples, n_neighbors)
        Sorted neighbour distances; column 0 is the point itself (distance 0).
    n_neighbors_scale : int
        Which neighbour sets the scale (1 = nearest other point).

    Returns
    -------
    scales : ndarray of shape (n_samples,)
        Non-negative bandwidth scales. A point with ``n_neighbors_scale`` exact
        duplicates has scale 0 and is linked to its duplicates only (see
        :func:`tapered_gaussian`).
    """
    return np.asarray(knn_dist[:, n_neighbors_scale], dtype=np.float64)


def median_bandwidth(sq_dist):
    """Median heuristic: epsilon is the median squared neighbour distance.

    Parameters
    ----------
    sq_dist : ndarray
        Squared (possibly scale-normalised) distances of the neighbour pairs,
        self pairs excluded.

    Returns
    -------
    epsilon : float
        The bandwidth.
    """
    epsilon = float(np.median(sq_dist)) if np.size(sq_dist) else 0.0
    if not epsilon > 0:
        raise ValueError(
            "The median squared neighbour distance is zero: more than half of "
            "the neighbour pairs are exact duplicates. Remove duplicate samples "
            "or pass a positive float epsilon."
        )
    return epsilon


def bgh_bandwidth(sq_dist, n_samples, n_grid=60):
    """Berry-Giannakis-Harlim bandwidth and intrinsic-dimension estimate.

    For a sweep of bandwidths, ``T(epsilon) = sum_ij exp(-d_ij^2 / epsilon)``
    over the neighbour pairs (plus the ``n_samples`` self pairs) behaves like
    ``epsilon^(d/2)`` in the range where the kernel resolves the manifold. The
    bandwidth with the steepest slope of ``log T`` against ``log epsilon`` is
    returned, and twice that slope estimates the intrinsic dimension ``d``.

    Parameters
    ----------
    sq_dist : ndarray
        Squared (possibly scale-normalised) neighbour distances, self pairs
        excluded.
    n_samples : int
        Number of points (each contributes a self pair of weight 1).
    n_grid : int, default=60
        Number of bandwidths in the logarithmic sweep.

    Returns
    -------
    epsilon : float
        The bandwidth with maximal slope.
    intrinsic_dim : float
        Twice the maximal slope.

    References
    ----------
    T. Berry, D. Giannakis and J. Harlim, "Nonparametric forecasting of
    low-dimensional dynamical systems", Phys. Rev. E 91, 032915 (2015).
    T. Berry and J. Harlim, "Variable bandwidth diffusion kernels", Appl.
    Comput. Harmon. Anal. 40 (2016).
    """
    positive = sq_dist[sq_dist > 0]
    if positive.size == 0:
        raise ValueError(
            "All neighbour distances are zero (constant or fully duplicated "
            "data); no bandwidth can be chosen."
        )
    lo, hi = np.log(positive.min()), np.log(positive.max())
    log_eps = np.linspace(lo - 1.0, hi + 1.0, n_grid)
    # Work on a fixed subsample of pairs: the slope is an average, and this
    # bounds the sweep's cost at O(n_grid * 200_000).
    stride = max(1, positive.size // 200_000)
    pairs = positive[::stride]
    weight = positive.size / pairs.size
    log_t = np.array(
        [np.log(n_samples + weight * np.exp(-pairs / np.exp(e)).sum()) for e in log_eps]
    )
    slopes = np.diff(log_t) / np.diff(log_eps)
    best = int(np.argmax(slopes))
    epsilon = float(np.exp(0.5 * (log_eps[best] + log_eps[best + 1])))
    return epsilon, float(2.0 * slopes[best])


def select_bandwidth(epsilon, indices, distances, scales=None):
    """Resolve the ``epsilon`` parameter of a diffusion map.

    Parameters
    ----------
    epsilon : float or {"median", "bgh"}
        A fixed bandwidth or the rule that chooses it.
    indices, distances : ndarray of shape (n_samples, n_neighbors)
        Neighbour indices and sorted distances; column 0 is the point itself.
    scales : ndarray of shape (n_samples,) or None
        Adaptive bandwidth scales: distances are divided by ``sqrt(s_x s_y)``.

    Returns
    -------
    epsilon : float
        The bandwidth.
    intrinsic_dim : float or None
        The dimension estimated by the ``"bgh"`` sweep, else None.
    """
    sq = distances[:, 1:] ** 2
    if scales is not None:
        pair_scale = scales[:, None] * scales[indices[:, 1:]]
        sq = sq[pair_scale > 0] / pair_scale[pair_scale > 0]
    if epsilon == "median":
        return median_bandwidth(sq), None
    if epsilon == "bgh":
        return bgh_bandwidth(sq, distances.shape[0])
    return float(epsilon), None
