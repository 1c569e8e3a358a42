"""Sparse kernel graphs, alpha-normalisation and the diffusion Markov operator.

The functions here turn nearest-neighbour distances into the symmetric kernel
matrix ``K``, apply the density normalisation of Coifman and Lafon,

``K_alpha = D^-alpha K D^-alpha`` with ``D = diag(K 1)``,

and form the Markov matrix ``P = D_alpha^-1 K_alpha`` and its symmetric
conjugate ``S = D_alpha^-1/2 K_alpha D_alpha^-1/2``, which has the same
eigenvalues. The same normalisation applied to the kernel rows of new points
gives the Nystrom extension. Only numpy and scipy are used; all matrices are
sparse with ``O(n k)`` entries.
"""

from typing import NamedTuple

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from skdvae.diffusion_map._kernels import (
    adaptive_scales,
    select_bandwidth,
    tapered_gaussian,
)

__all__ = [
    "DiffusionWalk",
    "KernelGraph",
    "alpha_normalize",
    "build_kernel_graph",
    "component_labels",
    "diffusion_walk",
    "kernel_matrix",
    "kernel_rows",
    "markov_rows",
    "row_shifts",
    "symmetric_conjugate",
]


# A new point's kernel row is rescaled when its largest Gaussian is below
# e^-UNDERFLOW_EXPONENT (exp underflows to 0 below about e^-745).
UNDERFLOW_EXPONENT = 600.0


def _pair_kernel(sq_dist, rad_a, rad_b, epsilon, scale_a, scale_b, shift=0.0):
    sq_radius = np.maximum(rad_a, rad_b) ** 2
    return tapered_gaussian(sq_dist, sq_radius, epsilon, scale_a * scale_b, shift)


def row_shifts(sq_dist, denom, indptr):
    """Per-row exponent shift that keeps far new points' kernel rows finite.

    A new point farther than about ``sqrt(745 epsilon)`` from every fitted
    point (a fixed bandwidth and an outlier) has Gaussians that all underflow
    to 0, so its row would be empty. Multiplying a row by a constant changes
    neither which component dominates it nor its Markov row
    (:func:`markov_rows`), so rows whose smallest exponent ``d^2 / denom``
    exceeds ``UNDERFLOW_EXPONENT`` are evaluated multiplied by
    ``e^(smallest exponent)``; every other row is unchanged.

    Parameters
    ----------
    sq_dist, denom : ndarray of shape (nnz,)
        Squared distances and ``epsilon s_x s_y`` of the stored entries.
    indptr : ndarray of shape (n_queries + 1,)
        Row pointers of the entries (empty rows get no shift).

    Returns
    -------
    shift : ndarray of shape (nnz,)
        The shift of each entry's row, 0 in rows that need none.
    """
    exponent = np.where(denom > 0, sq_dist / np.where(denom > 0, denom, 1.0), 0.0)
    counts = np.diff(indptr)
    filled = counts > 0
    smallest = np.zeros(counts.size)
    # Each filled row reduces up to the next filled row's start: its own entries.
    smallest[filled] = np.minimum.reduceat(exponent, indptr[:-1][filled])
    smallest = np.where(smallest > UNDERFLOW_EXPONENT, smallest, 0.0)
    return np.repeat(smallest, counts)


def kernel_matrix(indices, distances, radius, epsilon, scales=None):
    """Symmetric kernel matrix on the union of the k-nearest-neighbour graphs.

    Parameters
    ----------
    indices, distances : ndarray of shape (n_samples, n_neighbors)
        Each point's nearest neighbours (itself included) and their distances.
    radius : ndarray of shape (n_samples,)
        Each point's distance to its k-th nearest neighbour.
    epsilon : float
        Kernel bandwidth.
    scales : ndarray of shape (n_samples,) or None
        Per-point bandwidth scales of the adaptive kernel, or None.

    Returns
    -------
    K : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        Symmetric, non-negative; row ``i`` holds every ``j`` with
        ``d(i, j) < max(r_k(i), r_k(j))``.
    """
    n, k = indices.shape
    rows = np.repeat(np.arange(n), k)
    cols = indices.ravel()
    s = np.ones(n) if scales is None else scales
    values = _pair_kernel(
        distances.ravel() ** 2, radius[rows], radius[cols], epsilon, s[rows], s[cols]
    )
    A = sparse.csr_matrix((values, (rows, cols)), shape=(n, n))
    A.sum_duplicates()
    # Both directions carry the same value, so the maximum is the union.
    K = A.maximum(A.T).tocsr()
    K.eliminate_zeros()
    K.sort_indices()
    return K


def kernel_rows(graph, radius, radius_fit, epsilon, scales=None, scales_fit=None):
    """Kernel rows of new points against the fitted points.

    Parameters
    ----------
    graph : scipy.sparse.csr_matrix of shape (n_queries, n_fit)
        Distances from the new points to their candidate neighbours.
    radius : ndarray of shape (n_queries,)
        k-th neighbour distance of each new point.
    radius_fit : ndarray of shape (n_fit,)
        k-th neighbour distance of each fitted point.
    epsilon : float
        Kernel bandwidth.
    scales, scales_fit : ndarray or None
        Adaptive bandwidth scales of the new and the fitted points.

    Returns
    -------
    K : scipy.sparse.csr_matrix of shape (n_queries, n_fit)
        Each row up to a positive factor (:func:`row_shifts`), which the
        Markov rows do not see.
    """
    graph = sparse.csr_matrix(graph)
    rows = np.repeat(np.arange(graph.shape[0]), np.diff(graph.indptr))
    cols = graph.indices
    if scales is None:
        s_q, s_f = 1.0, 1.0
    else:
        s_q, s_f = scales[rows], scales_fit[cols]
    sq_dist = graph.data**2
    shift = row_shifts(sq_dist, epsilon * s_q * s_f, graph.indptr)
    values = _pair_kernel(
        sq_dist, radius[rows], radius_fit[cols], epsilon, s_q, s_f, shift
    )
    K = sparse.csr_matrix((values, cols, graph.indptr.copy()), shape=graph.shape)
    K.eliminate_zeros()
    return K


def alpha_normalize(K, alpha):
    """Density normalisation ``K_alpha = D^-alpha K D^-alpha``.

    Parameters
    ----------
    K : scipy.sparse matrix of shape (n_samples, n_samples)
        Symmetric kernel matrix.
    alpha : float in [0, 1]
        1 removes the sampling density (Laplace-Beltrami), 0.5 gives the
        Fokker-Planck operator, 0 the normalised graph Laplacian.

    Returns
    -------
    K_alpha : scipy.sparse.csr_matrix
        The normalised, still symmetric, kernel.
    degree : ndarray of shape (n_samples,)
        The row sums ``q`` of ``K`` (needed to normalise new points).
    """
    degree = np.asarray(K.sum(axis=1)).ravel()
    inv = degree**-alpha
    K_alpha = sparse.diags(inv) @ K @ sparse.diags(inv)
    return K_alpha.tocsr(), degree


def symmetric_conjugate(K_alpha):
    """Symmetric matrix ``S`` similar to the Markov matrix ``P``.

    Parameters
    ----------
    K_alpha : scipy.sparse matrix
        Alpha-normalised symmetric kernel.

    Returns
    -------
    S : scipy.sparse.csr_matrix
        ``D^-1/2 K_alpha D^-1/2``; if ``S v = lambda v`` then
        ``P (D^-1/2 v) = lambda (D^-1/2 v)``.
    d : ndarray of shape (n_samples,)
        Row sums of ``K_alpha``; ``d / d.sum()`` is the stationary distribution
        of the random walk.
    """
    d = np.asarray(K_alpha.sum(axis=1)).ravel()
    inv_sqrt = 1.0 / np.sqrt(d)
    S = sparse.diags(inv_sqrt) @ K_alpha @ sparse.diags(inv_sqrt)
    S = S.tocsr()
    # Remove the asymmetry left by rounding so symmetric solvers see exact symmetry.
    return ((S + S.T) * 0.5).tocsr(), d


class DiffusionWalk(NamedTuple):
    """The random walk of an alpha-normalised kernel (:func:`diffusion_walk`).

    Attributes
    ----------
    S : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        Symmetric conjugate of the Markov matrix.
    degree : ndarray of shape (n_samples,)
        Row sums ``q`` of the kernel, which normalise new points.
    stationary : ndarray of shape (n_samples,)
        Stationary distribution of the walk.
    transition : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        Markov matrix ``P = D_alpha^-1 K_alpha``.
    """

    S: sparse.csr_matrix
    degree: np.ndarray
    stationary: np.ndarray
    transition: sparse.csr_matrix


def diffusion_walk(K, alpha):
    """Alpha-normalise a kernel and form its Markov matrix.

    Parameters
    ----------
    K : scipy.sparse matrix of shape (n_samples, n_samples)
        Symmetric kernel matrix.
    alpha : float in [0, 1]
        Density normalisation exponent (:func:`alpha_normalize`).

    Returns
    -------
    walk : DiffusionWalk
    """
    K_alpha, degree = alpha_normalize(K, alpha)
    S, d = symmetric_conjugate(K_alpha)
    transition = (sparse.diags(1.0 / d) @ K_alpha).tocsr()
    return DiffusionWalk(S, degree, d / d.sum(), transition)


def markov_rows(K, degree_fit, alpha):
    """Alpha-normalised Markov rows ``p(x, .)`` of kernel rows ``K``.

    Applied to the training kernel itself this is the Markov matrix ``P``;
    applied to the kernel rows of new points it gives their transition
    probabilities onto the fitted points, the basis of the Nystrom extension.

    Parameters
    ----------
    K : scipy.sparse.csr_matrix of shape (n_queries, n_fit)
        Kernel rows.
    degree_fit : ndarray of shape (n_fit,)
        Row sums ``q`` of the training kernel.
    alpha : float
        Density normalisation exponent.

    Returns
    -------
    P : scipy.sparse.csr_matrix of shape (n_queries, n_fit)
        Non-negative rows summing to one.
    """
    K = sparse.csr_matrix(K)
    q = np.asarray(K.sum(axis=1)).ravel()
    if np.any(q <= 0):
        raise ValueError(
            f"{int(np.sum(q <= 0))} samples have no neighbour with positive "
            "kernel weight; they lie outside the support of the fitted kernel."
        )
    K_alpha = sparse.diags(q**-alpha) @ K @ sparse.diags(degree_fit**-alpha)
    d = np.asarray(K_alpha.sum(axis=1)).ravel()
    return (sparse.diags(1.0 / d) @ K_alpha).tocsr()


def component_labels(K):
    """Connected components of the kernel graph.

    Parameters
    ----------
    K : scipy.sparse matrix
        Symmetric kernel matrix.

    Returns
    -------
    n_components : int
        Number of connected components.
    labels : ndarray of shape (n_samples,)
        Component of each point, numbered from 0.
    """
    return connected_components(K, directed=False)


class KernelGraph(NamedTuple):
    """The symmetric kernel of a data set and how its bandwidth was set.

    Attributes
    ----------
    K : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        Symmetric tapered-Gaussian kernel (:func:`kernel_matrix`).
    epsilon : float
        Bandwidth used.
    intrinsic_dim : float or None
        Dimension estimated by the ``"bgh"`` sweep, else None.
    scales : ndarray of shape (n_samples,) or None
        Adaptive bandwidth scales, or None for a fixed bandwidth.
    radius : ndarray of shape (n_samples,)
        Each point's distance to its k-th nearest neighbour.
    """

    K: sparse.csr_matrix
    epsilon: float
    intrinsic_dim: float | None
    scales: np.ndarray | None
    radius: np.ndarray


def build_kernel_graph(indices, distances, epsilon, adaptive_neighbor=None):
    """The kernel graph of a diffusion map, from its k-nearest neighbours.

    The one place where neighbour distances become a diffusion kernel:
    adaptive scales (if any), the bandwidth rule, the symmetric tapered
    kernel. :class:`skdvae.DiffusionMap` builds its operator with it, and
    :class:`skdvae.DiffusionVAE` builds the kernel of its training points
    with the same settings as its diffusion map (so a fitted bandwidth,
    a scale-free ratio under the adaptive kernel, is never mistaken for a
    squared distance).

    Parameters
    ----------
    indices, distances : ndarray of shape (n_samples, n_neighbors)
        Each point's nearest neighbours, sorted, the point itself in column 0.
    epsilon : float or {"median", "bgh"}
        A fixed bandwidth (in the units of the kernel: squared distances for
        a fixed bandwidth, squared distances over ``s_x s_y`` for the adaptive
        one) or the rule that chooses it.
    adaptive_neighbor : int or None, default=None
        The neighbour whose distance sets each point's adaptive bandwidth
        scale, or None for a fixed bandwidth.

    Returns
    -------
    graph : KernelGraph
    """
    scales = None
    if adaptive_neighbor is not None:
        scales = adaptive_scales(distances, adaptive_neighbor)
    epsilon, intrinsic_dim = select_bandwidth(epsilon, indices, distances, scales)
    radius = np.asarray(distances[:, -1], dtype=np.float64)
    K = kernel_matrix(indices, distances, radius, epsilon, scales)
    return KernelGraph(K, epsilon, intrinsic_dim, scales, radius)
