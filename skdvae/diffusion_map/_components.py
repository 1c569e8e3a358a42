"""Diffusion coordinates of a kernel graph with several connected components.

When the kernel graph falls apart into components ``c = 1..C``, the symmetric
conjugate ``S`` of the Markov matrix is block diagonal and the eigenvalue 1 is
repeated ``C`` times. The leading eigenvectors of ``S`` then mostly indicate
components, and any basis of a (nearly) repeated eigenvalue is as valid as
another, so the global leading coordinates describe the geometry within each
component poorly (two circles at three coordinates: each circle gets one
coordinate and is folded onto a segment). Instead:

1. each block ``S_c`` is solved on its own. Its eigenpairs, extended by zero,
   are exact eigenpairs of ``S``: nothing is refitted (same bandwidth, alpha
   and adaptive scales). Eigenvectors keep the global normalisation
   ``sum_i pi_i psi(x_i)^2 = 1`` and the block's trivial pair is set exactly,
   ``psi_c0 = 1_c / sqrt(pi(c))`` with eigenvalue 1;
2. each component's non-redundant coordinates are chosen among its own
   eigenvectors (:func:`~skdvae.diffusion_map._selection.choose_coordinates`),
   and shared coordinate ``j`` is the ``j``-th coordinate of whichever
   component the point lies in: the unit combination
   ``u_j = sum_c sqrt(pi(c)) psi_c m_cj`` of the candidates, which on
   component ``c`` is the component's own, locally normalised, coordinate;
3. the components are kept apart by constant offsets ``o_c`` (combinations
   of the eigenvalue-1 indicators, so still combinations of eigenvectors):
   the component centroids in data space projected on their principal axes,
   scaled so that balls of radius ``1.5 r_c`` around the offsets are disjoint
   (``r_c`` the largest norm of a point's coordinates within ``c``), or a line
   when the centroids do not separate, then centred in ``L2(pi)``.

No latent dimension is spent on separating the components: two circles at two
coordinates are two circles side by side.
"""

import warnings
from typing import NamedTuple

import numpy as np
from scipy import linalg, sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import pdist

from skdvae.diffusion_map._eigensolvers import sign_flip
from skdvae.diffusion_map._selection import NULL_EIGENVALUE
from skdvae.exceptions import DisconnectedGraphWarning, _user_stacklevel

__all__ = [
    "ComponentCoordinates",
    "component_offsets",
    "component_spectra",
    "disconnected_coordinates",
    "keep_dominant_component",
    "warn_disconnected",
]

# Balls of GAP times each component's radius around the offsets are disjoint.
GAP = 1.5


class ComponentSpectrum(NamedTuple):
    """The leading eigenpairs of one component (see :func:`component_spectra`)."""

    index: np.ndarray
    values: np.ndarray
    psi: np.ndarray
    solver: str


class ComponentCoordinates(NamedTuple):
    """Shared diffusion coordinates of a disconnected graph.

    Attributes
    ----------
    psi : scipy.sparse.csc_matrix of shape (n_samples, n_candidates)
        Every component's eigenvectors extended by zero, trivial ones
        included, in the global normalisation.
    values : ndarray of shape (n_candidates,)
        Their eigenvalues.
    mixing : ndarray of shape (n_candidates, n_components)
        Coordinate ``j`` is ``psi @ mixing[:, j]``.
    eigenvalues : ndarray of shape (n_components,)
        Rayleigh quotient of each coordinate.
    offsets : ndarray of shape (n_groups, n_components)
        Constant displacement of each component.
    novelty : ndarray of shape (n_groups, n_components) or None
        Novelty of each component's coordinates (NaN where a component has
        fewer), or None without the ``"llr"`` selection.
    """

    psi: sparse.csc_matrix
    values: np.ndarray
    mixing: np.ndarray
    eigenvalues: np.ndarray
    offsets: np.ndarray
    novelty: np.ndarray | None


def component_spectra(S, stationary, labels, n_eig, solve):
    """Leading eigenpairs of each diagonal block of a block-diagonal ``S``.

    Parameters
    ----------
    S : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        Symmetric conjugate of the Markov matrix; no entry joins two
        components.
    stationary : ndarray of shape (n_samples,)
        Stationary distribution ``pi`` of the whole walk.
    labels : ndarray of shape (n_samples,)
        Component of each point, numbered from 0.
    n_eig : int
        Eigenpairs per component, the trivial one included; a component of
        ``m`` points gets ``min(n_eig, m)``.
    solve : callable
        ``solve(S_c, k)`` returns the ``k`` largest eigenpairs of a block,
        descending, sign-normalised, and the name of the solver that ran.

    Returns
    -------
    spectra : list of ComponentSpectrum
        Per component: its points, eigenvalues and right eigenvectors
        ``psi`` normalised so that ``sum_{i in c} pi_i psi(x_i)^2 = 1``.
    """
    order = np.argsort(labels, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(labels))]
    S = sparse.csr_matrix(S)[order][:, order].tocsr()
    spectra = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        index = order[start:stop]
        values, vectors, solver = solve(
            S[start:stop, start:stop], min(n_eig, stop - start)
        )
        pi = stationary[index]
        psi = vectors / np.sqrt(pi)[:, None]
        psi[:, 0] = 1.0 / np.sqrt(pi.sum())
        values = np.r_[1.0, values[1:]]
        spectra.append(ComponentSpectrum(index, values, psi, solver))
    return spectra


def _candidates(spectra, n_samples):
    """All components' eigenvectors as one sparse matrix, and their offsets."""
    rows, cols, data, starts, start = [], [], [], [], 0
    for spectrum in spectra:
        k = spectrum.psi.shape[1]
        rows.append(np.repeat(spectrum.index, k))
        cols.append(np.tile(np.arange(start, start + k), spectrum.index.size))
        data.append(spectrum.psi.ravel())
        starts.append(start)
        start += k
    psi = sparse.csc_matrix(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_samples, start),
    )
    values = np.concatenate([spectrum.values for spectrum in spectra])
    return psi, values, np.asarray(starts)


def _within_coordinates(spectra, weights, n_components, choose, mixing, starts):
    """Fill ``mixing`` with each component's coordinates; return radii, novelty."""
    radius = np.zeros(len(spectra))
    novelty = np.full((len(spectra), n_components), np.nan)
    for c, spectrum in enumerate(spectra):
        # Descending: the eigenvalues above NULL_EIGENVALUE are a prefix.
        usable = 1 + int(np.sum(spectrum.values[1:] > NULL_EIGENVALUE))
        values, psi = spectrum.values[1:usable], spectrum.psi[:, 1:usable]
        # Small components have fewer usable eigenvectors than coordinates.
        n_take = min(n_components, max(spectrum.index.size - 2, 1), values.size)
        if n_take == 0:
            continue
        mix, nov = choose(psi, values, n_take)
        if nov is not None:
            novelty[c, :n_take] = nov
        rows = starts[c] + 1 + np.arange(values.size)
        mixing[rows, :n_take] = np.sqrt(weights[c]) * mix
        local = np.sqrt(weights[c]) * (psi @ mix)
        radius[c] = np.sqrt(np.max(np.sum(local**2, axis=1)))
    return radius, novelty


def component_offsets(centroids, radius, weights, n_components, gap=GAP):
    """Constant displacements that keep the components apart.

    Parameters
    ----------
    centroids : ndarray of shape (n_groups, n_features) or None
        Component centroids in data space; None when there is no data space
        (``metric="precomputed"``).
    radius : ndarray of shape (n_groups,)
        Largest norm of a point's within-component coordinates.
    weights : ndarray of shape (n_groups,)
        Stationary mass ``pi(c)`` of each component.
    n_components : int
        Number of coordinates.
    gap : float, default=GAP
        Balls of radius ``gap * radius`` around the offsets are disjoint.

    Returns
    -------
    offsets : ndarray of shape (n_groups, n_components)
        The centroids' layout on their principal axes (at most
        ``n_components`` of them), or the components on a line along the
        first coordinate when the centroids coincide on those axes, scaled by
        the smallest factor that keeps the balls disjoint and centred so that
        ``weights @ offsets = 0``.
    """
    n_groups = radius.size
    layout = None
    if centroids is not None:
        centred = centroids - centroids.mean(axis=0)
        _, singular, axes = linalg.svd(centred, full_matrices=False)
        rank = int(min(n_components, np.sum(singular > 1e-9 * singular.max())))
        if rank > 0:
            layout = np.zeros((n_groups, n_components))
            layout[:, :rank] = centred @ axes[:rank].T
            spacing = pdist(layout)
            if spacing.min() <= 1e-9 * spacing.max():
                layout = None
    if layout is None:
        layout = np.zeros((n_groups, n_components))
        layout[:, 0] = np.arange(n_groups)
    r = np.maximum(radius, 1e-3 * max(radius.max(), 1.0))
    first, second = np.triu_indices(n_groups, 1)  # the order of pdist
    need = gap * (r[first] + r[second])
    offsets = float(np.max(need / pdist(layout))) * layout
    # The principal axes' signs are arbitrary (they follow the row order): fix
    # them as the eigenvectors' are, so that permuting the data does not
    # mirror the layout.
    return sign_flip(offsets - weights @ offsets)


def disconnected_coordinates(spectra, stationary, n_components, choose, X=None):
    """Shared within-component coordinates, displaced per component.

    Parameters
    ----------
    spectra : list of ComponentSpectrum
        From :func:`component_spectra`.
    stationary : ndarray of shape (n_samples,)
        Stationary distribution ``pi``.
    n_components : int
        Number of coordinates.
    choose : callable
        ``choose(psi, values, n)`` returns the mixing matrix of ``n``
        non-redundant coordinates among a component's non-trivial
        eigenvectors and their novelty (or None), as
        :func:`~skdvae.diffusion_map._selection.choose_coordinates` does.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features) or None
        The fitted points, whose component centroids lay out the offsets;
        None without a data space (:func:`component_offsets`).

    Returns
    -------
    coordinates : ComponentCoordinates
    """
    psi, values, starts = _candidates(spectra, stationary.size)
    weights = np.array([stationary[s.index].sum() for s in spectra])
    mixing = np.zeros((values.size, n_components))
    radius, novelty = _within_coordinates(
        spectra, weights, n_components, choose, mixing, starts
    )
    centroids = None
    if X is not None:
        centroids = np.vstack([np.asarray(X[s.index].mean(axis=0)) for s in spectra])
    offsets = component_offsets(centroids, radius, weights, n_components)
    # The eigenvalue of a coordinate is the Rayleigh quotient of its
    # within-component part: the offsets (eigenvalue 1) would pull it towards
    # 1 and distort each component's lambda^t scaling.
    norm = np.sum(mixing**2, axis=0)
    quotient = (mixing**2).T @ values / np.where(norm > 0, norm, 1.0)
    eigenvalues = np.where(norm > 0, quotient, 1.0)
    # psi_c0 = 1 / sqrt(pi(c)) on component c: this row adds offset o_c there.
    mixing[starts] = offsets * np.sqrt(weights)[:, None]
    if np.all(np.isnan(novelty)):
        novelty = None
    return ComponentCoordinates(psi, values, mixing, eigenvalues, offsets, novelty)


def keep_dominant_component(K, labels):
    """Restrict each kernel row to the component of its largest entry.

    A new point is embedded within one component only: the one holding the
    fitted point most similar to it (largest kernel weight). A training
    point's largest weight is its own, 1, so it keeps its component, also
    where a cut (``split_gap``) left it kernel weight in another piece.

    Parameters
    ----------
    K : scipy.sparse matrix of shape (n_queries, n_fit)
        Kernel rows of new points against the fitted points.
    labels : ndarray of shape (n_fit,)
        Component of each fitted point.

    Returns
    -------
    K : scipy.sparse.csr_matrix of shape (n_queries, n_fit)
    """
    K = sparse.csr_matrix(K)
    rows = np.repeat(np.arange(K.shape[0]), np.diff(K.indptr))
    # Sorted by row, then decreasing weight: each row's first entry is its
    # largest (rows without entries stay empty).
    order = np.lexsort((-K.data, rows))
    filled = np.flatnonzero(np.diff(K.indptr))
    dominant = np.zeros(K.shape[0], dtype=labels.dtype)
    dominant[filled] = labels[K.indices[order[K.indptr[filled]]]]
    data = np.where(labels[K.indices] == dominant[rows], K.data, 0.0)
    K = sparse.csr_matrix((data, K.indices, K.indptr), shape=K.shape)
    K.eliminate_zeros()
    return K


def warn_disconnected(labels, indices):
    """Issue the :class:`~skdvae.exceptions.DisconnectedGraphWarning`.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
        Component of each point in the kernel graph.
    indices : ndarray of shape (n_samples, n_neighbors)
        Each point's nearest neighbours. If the neighbour graph has fewer
        components than the kernel graph, kernel weights between neighbours
        vanished (epsilon too small) and the message says so.
    """
    n, k = indices.shape
    knn = sparse.csr_matrix(
        (np.ones(n * k), indices.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n)
    )
    n_neighbor_components = connected_components(knn, directed=False)[0]
    sizes = np.sort(np.bincount(labels))[::-1]
    shown = ", ".join(str(s) for s in sizes[:10]) + (", ..." if sizes.size > 10 else "")
    narrow = ""
    if n_neighbor_components < sizes.size:
        narrow = (
            f" The neighbour graph itself has only {n_neighbor_components}: "
            "epsilon is so small that kernel weights between neighbours vanish, "
            "and a larger epsilon joins those pieces."
        )
    message = (
        f"The kernel graph has {sizes.size} connected components (sizes {shown}). "
        "Each component is described by its own diffusion coordinates in the "
        "shared n_components dimensions, and the components are displaced so "
        "that they do not overlap (see component_labels_, and 'Disconnected "
        "data' in the DiffusionMap design notes). This is expected when the data "
        "consist of separate pieces. Raising epsilon does not join components "
        "once the kernel weights between neighbours are positive (the kernel is "
        "cut at each point's k-th neighbour), and raising n_neighbors joins them "
        "only beyond the size of a component, which blurs the geometry inside "
        "each one. If you did not expect separate pieces, check for duplicated "
        "points, outliers or clusters of near-duplicates." + narrow
    )
    warnings.warn(message, DisconnectedGraphWarning, stacklevel=_user_stacklevel())
