"""Nearly disconnected kernel graphs: the gap test and the cut into pieces.

Two pieces of data joined by a few bridging points form one connected
component, but the walk crosses the bridge so rarely that the Markov operator
has an eigenvalue within a tiny distance of 1 for every extra piece: the
eigenvalue 1 is *nearly* repeated, and the leading eigenvectors are nearly
piecewise constant, the indicator-like coordinates that fold each piece (see
"Disconnected data" in ``docs/diffusion_map.md``).

The gap test. With ``1 = lambda_0 > lambda_1 >= lambda_2 >= ...`` the
leading eigenvalues of one connected component, the gap ratio

``g_m = (1 - lambda_m) / (1 - lambda_{m-1})``,  ``m >= 2``,

is large when ``lambda_1 .. lambda_{m-1}`` all lie much closer to 1 than
``lambda_m`` does: the walk mixes within ``m`` pieces long before it mixes
between them. On a connected manifold the ratios stay small (the first two
Neumann eigenvalues of an interval are in the ratio 4 and elongated shapes
approach it; measured at most 4.3 on the manifolds of
``benchmarks/bench_near_disconnect.py``), while a bridge of a few weakly
attached points gives ratios of 9 to 10^11. The component is split into the
largest ``m`` whose ratio exceeds ``split_gap``. Bridges as well connected as
the data themselves (ratios near 4) are not told apart from a manifold.

The cut. The ``m`` leading eigenvectors (the trivial one included, which keeps
the rule valid when rounding has mixed it with the nearly equal ones) are
nearly constant on each piece, so k-means with ``m`` clusters on their values,
seeded from the estimator's ``random_state``, labels the pieces (spectral
clustering). Kernel edges between pieces are removed before the
alpha-normalisation, and the cut graph takes the disconnected path of
:mod:`skdvae.diffusion_map._components` unchanged.
"""

import warnings

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import KMeans

from skdvae.exceptions import DisconnectedGraphWarning, _user_stacklevel

__all__ = [
    "SPLIT_GAP",
    "TEST_EIGENPAIRS",
    "count_pieces",
    "cut_between",
    "gap_ratios",
    "largest_gap_ratios",
    "piece_labels",
    "same_piece_neighbors",
    "split_pieces",
    "gap_test_eigenpairs",
    "truncate",
    "warn_split",
]

# Default threshold on the gap ratio (benchmarks/bench_near_disconnect.py).
SPLIT_GAP = 8.0
# Eigenpairs (the trivial one included) the gap test examines at least: it
# detects up to TEST_EIGENPAIRS - 1 pieces in a connected component.
TEST_EIGENPAIRS = 11


def gap_test_eigenpairs(n_eig, n_fit, split_gap):
    """Eigenpairs to compute so that the gap test sees enough of them.

    Parameters
    ----------
    n_eig : int
        Eigenpairs the coordinates need, the trivial one included.
    n_fit : int
        Number of fitted points.
    split_gap : float or None
        The threshold; None runs no test and needs no more.

    Returns
    -------
    n_eig : int
        At least ``TEST_EIGENPAIRS`` (as many as ``n_fit`` points allow)
        unless ``split_gap`` is None.
    """
    if split_gap is None:
        return n_eig
    return max(n_eig, min(TEST_EIGENPAIRS, n_fit - 1))


def gap_ratios(values):
    """Gap ratios ``(1 - lambda_m) / (1 - lambda_{m-1})`` of one component.

    Parameters
    ----------
    values : ndarray of shape (n_eig,)
        The component's leading eigenvalues in decreasing order, the trivial
        eigenvalue 1 first.

    Returns
    -------
    ratios : ndarray of shape (max(n_eig - 2, 0),)
        ``ratios[i]`` is the ratio of ``m = i + 2``. Distances to 1 below the
        machine epsilon count as the epsilon: rounding cannot tell them from
        0, and the ratio is then as large as the precision can show.
    """
    gaps = np.maximum(
        1.0 - np.asarray(values[1:], dtype=np.float64), np.finfo(float).eps
    )
    return gaps[1:] / gaps[:-1]


def count_pieces(values, split_gap):
    """Number of pieces the gap test finds in one connected component.

    Parameters
    ----------
    values : ndarray of shape (n_eig,)
        Leading eigenvalues, the trivial 1 first (:func:`gap_ratios`).
    split_gap : float
        Threshold on the gap ratio.

    Returns
    -------
    n_pieces : int
        The largest ``m`` with ``g_m > split_gap``, or 1 when no ratio
        exceeds it.
    """
    above = np.flatnonzero(gap_ratios(values) > split_gap)
    return 1 if above.size == 0 else int(above[-1]) + 2


def largest_gap_ratios(spectra):
    """The largest gap ratio of each component (NaN below three eigenpairs).

    Parameters
    ----------
    spectra : list of ComponentSpectrum
        Each connected component's leading eigenpairs.

    Returns
    -------
    ratios : ndarray of shape (len(spectra),)
        NaN for a component of fewer than three points.
    """
    ratios = [gap_ratios(spectrum.values) for spectrum in spectra]
    return np.array([r.max() if r.size else np.nan for r in ratios])


def piece_labels(spectra, n_samples, split_gap, random_state):
    """Pieces of the components whose gap test fires, by spectral clustering.

    Parameters
    ----------
    spectra : list of ComponentSpectrum
        Each connected component's leading eigenpairs, ``psi`` the right
        eigenvectors of the whole walk restricted to the component.
    n_samples : int
        Number of points.
    split_gap : float or None
        Threshold on the gap ratio; None never splits.
    random_state : numpy.random.RandomState
        Seeds k-means. Drawn from only when a component is split, so a fit
        in which nothing is split consumes nothing.

    Returns
    -------
    labels : ndarray of shape (n_samples,) or None
        A label per point, distinct across pieces and components, or None
        when no component is split.
    """
    if split_gap is None:
        return None
    labels = np.zeros(n_samples, dtype=np.int64)
    split, next_label = False, 0
    for spectrum in spectra:
        m = count_pieces(spectrum.values, split_gap)
        local = np.zeros(spectrum.index.size, dtype=np.int64)
        if m > 1:
            seed = int(random_state.randint(np.iinfo(np.int32).max))
            kmeans = KMeans(m, n_init=10, random_state=seed)
            local = kmeans.fit_predict(spectrum.psi[:, :m])
            split = True
        labels[spectrum.index] = next_label + local
        next_label += m
    return labels if split else None


def split_pieces(K, spectra, split_gap, random_state):
    """Cut the nearly disconnected components of a kernel graph.

    Parameters
    ----------
    K : scipy.sparse matrix of shape (n_samples, n_samples)
        Symmetric kernel matrix, before the alpha-normalisation.
    spectra : list of ComponentSpectrum
        Each connected component's leading eigenpairs.
    split_gap : float or None
        Threshold on the gap ratio; None never cuts.
    random_state : numpy.random.RandomState
        Seeds k-means (:func:`piece_labels`).

    Returns
    -------
    ratios : ndarray of shape (len(spectra),)
        The largest gap ratio of each component (:func:`largest_gap_ratios`).
    cut : tuple of (scipy.sparse.csr_matrix, ndarray) or None
        The kernel without the edges between pieces and the connected
        component of each point in it (the pieces, numbered from 0), or None
        when no component is cut. A cut issues :func:`warn_split`.
    """
    ratios = largest_gap_ratios(spectra)
    labels = piece_labels(spectra, K.shape[0], split_gap, random_state)
    if labels is None:
        return ratios, None
    K, n_cut = cut_between(K, labels)
    labels = connected_components(K, directed=False)[1]
    warn_split(ratios, np.bincount(labels), n_cut, split_gap)
    return ratios, (K, labels)


def cut_between(K, labels):
    """Remove the kernel edges between points of different labels.

    Parameters
    ----------
    K : scipy.sparse matrix of shape (n_samples, n_samples)
        Symmetric kernel matrix.
    labels : ndarray of shape (n_samples,)
        Piece of each point.

    Returns
    -------
    K_cut : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        ``K`` without the entries ``(i, j)`` with ``labels[i] != labels[j]``;
        still symmetric.
    n_cut : int
        Number of (undirected) edges removed.
    """
    K = sparse.coo_matrix(K)
    keep = labels[K.row] == labels[K.col]
    K_cut = sparse.csr_matrix((K.data[keep], (K.row[keep], K.col[keep])), shape=K.shape)
    K_cut.sort_indices()
    return K_cut, int(np.sum(~keep)) // 2


def truncate(spectra, n_eig):
    """Each component's ``n_eig`` leading eigenpairs (the test may see more).

    Parameters
    ----------
    spectra : list of ComponentSpectrum
    n_eig : int

    Returns
    -------
    spectra : list of ComponentSpectrum
    """
    return [s._replace(values=s.values[:n_eig], psi=s.psi[:, :n_eig]) for s in spectra]


def same_piece_neighbors(index, labels):
    """Replace each point's neighbours in other pieces by its first neighbour.

    After a cut, data-space neighbours may lie across it although the walk
    never crosses; their embeddings are a component offset apart. Statistics
    of one walk step over neighbours (the prior covariance of
    :class:`skdvae.DiffusionVAE`) use this index instead.

    Parameters
    ----------
    index : ndarray of shape (n_queries, k)
        Neighbours of each query, the nearest (for training points, the
        point itself) first.
    labels : ndarray of shape (n_fit,)
        Piece of each fitted point (``component_labels_``).

    Returns
    -------
    index : ndarray of shape (n_queries, k)
        ``index`` with every neighbour outside the piece of the first one
        replaced by the first one (the point itself contributes no spread).
    """
    first = index[:, :1]
    return np.where(labels[index] == labels[first], index, first)


def warn_split(ratios, sizes, n_cut, split_gap):
    """Issue the :class:`~skdvae.exceptions.DisconnectedGraphWarning` of a cut.

    Parameters
    ----------
    ratios : ndarray of shape (n_connected_components,)
        Largest gap ratio of each connected component.
    sizes : ndarray of shape (n_pieces,)
        Number of points of each piece after the cut.
    n_cut : int
        Number of kernel edges removed.
    split_gap : float
        The threshold that fired.
    """
    fired = ratios[ratios > split_gap]
    sizes = np.sort(sizes)[::-1]
    shown = ", ".join(str(s) for s in sizes[:10]) + (", ..." if sizes.size > 10 else "")
    message = (
        f"The kernel graph is nearly disconnected: in {fired.size} of its "
        f"{ratios.size} connected component(s) the leading eigenvalues are "
        f"nearly repeated at 1 (gap ratio up to {fired.max():.3g} > "
        f"split_gap={split_gap:g}). Removing {n_cut} kernel edges cut the graph "
        f"into {sizes.size} pieces (sizes {shown}), each described by its own "
        "diffusion coordinates (n_pieces_, component_labels_; see 'Disconnected "
        "data' in the DiffusionMap design notes). Pass split_gap=None to keep "
        "the graph whole, or a larger split_gap to cut only weaker bridges."
    )
    warnings.warn(message, DisconnectedGraphWarning, stacklevel=_user_stacklevel())
