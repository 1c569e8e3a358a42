"""The estimate behind ``n_components="auto"``.

The number of diffusion coordinates a manifold needs is its embedding
dimension in diffusion space, not its intrinsic dimension: a circle needs 2.
For every connected component of the kernel graph (the whole data if it is
connected):

1. the component's leading ``AUTO_EIGENVECTORS`` non-trivial eigenvectors are
   walked in eigenvalue order, and one is accepted when its *novelty* given
   those already accepted exceeds ``NOVELTY_THRESHOLD``; the novelty is the
   leave-one-out residual of a local linear fit on the ``max(10, 4 (m + 1))``
   nearest points in the ``m`` accepted coordinates, over the eigenvector's
   spread (:func:`knn_novelty`). Harmonics (``cos 2 theta`` on a circle) and
   products are explained locally and rejected;
2. the count is capped at twice the local-PCA dimension ``d_c``
   (:func:`local_pca_dimension`; Whitney's bound);
3. components below ``MIN_COMPONENT_SIZE`` points, too few for the local
   fits, take ``d_c + 1``, which embeds closed curves and spheres (``d_c``
   alone folded a 200-point circle onto a segment).

``n_components`` is the largest count over the components.

Measured (``docs/diffusion_map.md``, seeds 0-2, 2,000 points): circle 2,
loop 2, sphere 3, torus 3, Swiss roll 2, S-curve 2, two circles 2, 5 x 5
Gaussian grid 2. The global local-regression novelty of Dsilva et al. is no
stopping rule: its bandwidth is too wide for curved harmonics, so on a circle
``cos 2 theta`` scores 0.65. The Berry-Giannakis-Harlim dimension
underestimates on truncated kNN kernels and is an intrinsic dimension anyway.
"""

import numpy as np
from sklearn.neighbors import NearestNeighbors

__all__ = [
    "AUTO_EIGENVECTORS",
    "estimate_n_components",
    "knn_novelty",
    "local_pca_dimension",
    "novelty_count",
]

AUTO_EIGENVECTORS = 12
NOVELTY_THRESHOLD = 0.3
MIN_COMPONENT_SIZE = 250
# The novelty fits run on a subsample of at most this many points.
NOVELTY_MAX_SAMPLES = 1500
LOCAL_PCA_NEIGHBORS = 20
LOCAL_PCA_VARIANCE = 0.9
LOCAL_PCA_MAX_SAMPLES = 500


def _subsample(n_samples, max_samples, random_state):
    if n_samples <= max_samples:
        return np.arange(n_samples)
    return np.sort(random_state.choice(n_samples, max_samples, replace=False))


def knn_novelty(accepted, candidate):
    """Leave-one-out local-linear residual of ``candidate`` on ``accepted``.

    For each point the ``max(10, 4 (m + 1))`` nearest other points in the
    ``m`` accepted coordinates give an unweighted least-squares plane; the
    residual is the candidate minus that plane at the point.

    Parameters
    ----------
    accepted : ndarray of shape (n_samples, m)
        Coordinates already accepted.
    candidate : ndarray of shape (n_samples,)
        The eigenvector to test.

    Returns
    -------
    novelty : float
        ``||residual|| / ||candidate - mean||``: about 0 when the candidate
        is locally a function of the accepted coordinates, about 1 when it is
        a new direction.
    """
    n, m = accepted.shape
    k = min(max(10, 4 * (m + 1)), n - 1)
    nn = NearestNeighbors(n_neighbors=k + 1).fit(accepted)
    neighbors = nn.kneighbors(accepted, return_distance=False)[:, 1:]
    offsets = accepted[neighbors] - accepted[:, None, :]
    design = np.concatenate([np.ones((n, k, 1)), offsets], axis=2)
    gram = np.einsum("nki,nkj->nij", design, design) + 1e-10 * np.eye(m + 1)
    rhs = np.einsum("nki,nk->ni", design, candidate[neighbors])
    fit_at_point = np.linalg.solve(gram, rhs[..., None])[:, 0, 0]
    spread = max(np.linalg.norm(candidate - candidate.mean()), 1e-300)
    return float(np.linalg.norm(candidate - fit_at_point) / spread)


def novelty_count(psi, random_state):
    """Eigenvectors accepted greedily by :func:`knn_novelty`.

    Parameters
    ----------
    psi : ndarray of shape (n_samples, n_eigenvectors)
        Non-trivial eigenvectors by decreasing eigenvalue.
    random_state : numpy.random.RandomState
        Draws the subsample of at most ``NOVELTY_MAX_SAMPLES`` points.

    Returns
    -------
    count : int
        The first eigenvector and every later one whose novelty given those
        accepted before it exceeds ``NOVELTY_THRESHOLD``.
    """
    psi = psi[_subsample(psi.shape[0], NOVELTY_MAX_SAMPLES, random_state)]
    accepted = [0]
    for j in range(1, psi.shape[1]):
        if knn_novelty(psi[:, accepted], psi[:, j]) > NOVELTY_THRESHOLD:
            accepted.append(j)
    return len(accepted)


def local_pca_dimension(X, random_state):
    """Median number of local principal components explaining 90 % variance.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Points of one component.
    random_state : numpy.random.RandomState
        Draws at most ``LOCAL_PCA_MAX_SAMPLES`` query points.

    Returns
    -------
    dimension : float
        Median over the query points of the number of principal components
        of their ``LOCAL_PCA_NEIGHBORS`` nearest neighbours (the point
        included, Euclidean) that explain ``LOCAL_PCA_VARIANCE`` of the
        variance; 0 for a single point.
    """
    n = X.shape[0]
    if n < 2:
        return 0.0
    k = min(LOCAL_PCA_NEIGHBORS, n - 1)
    queries = _subsample(n, LOCAL_PCA_MAX_SAMPLES, random_state)
    nn = NearestNeighbors(n_neighbors=k + 1).fit(X)
    dims = []
    for row in nn.kneighbors(X[queries], return_distance=False):
        patch = X[row].toarray() if hasattr(X, "toarray") else X[row]
        variance = np.linalg.svd(patch - patch.mean(axis=0), compute_uv=False) ** 2
        if variance.sum() == 0:
            dims.append(0)
            continue
        explained = np.cumsum(variance) / variance.sum()
        dims.append(int(np.searchsorted(explained, LOCAL_PCA_VARIANCE) + 1))
    return float(np.median(dims))


def estimate_n_components(X, spectra, random_state):
    """The number of diffusion coordinates of ``n_components="auto"``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        The fitted points.
    spectra : list of ComponentSpectrum
        Each component's leading eigenpairs, trivial pair first
        (:func:`~skdvae.diffusion_map._components.component_spectra`), at least
        ``AUTO_EIGENVECTORS + 1`` of them where the component is that large.
    random_state : numpy.random.RandomState
        Draws the subsamples.

    Returns
    -------
    n_components : int
        The largest count over the components, at least 1 (module docstring).
    """
    counts = [1]
    for spectrum in spectra:
        dimension = local_pca_dimension(X[spectrum.index], random_state)
        psi = spectrum.psi[:, 1 : AUTO_EIGENVECTORS + 1]
        if spectrum.index.size < MIN_COMPONENT_SIZE or psi.shape[1] < 2:
            # Too few points for the local fits: one more coordinate than the
            # intrinsic dimension, which embeds closed curves and spheres.
            counts.append(int(round(dimension)) + 1)
            continue
        count = novelty_count(psi, random_state)
        counts.append(int(min(count, 2 * dimension)))
    return max(counts)
