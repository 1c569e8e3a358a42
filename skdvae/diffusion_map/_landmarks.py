"""Landmark selection for diffusion maps on large data.

With landmarks the kernel graph and the spectrum are computed on a subset of
the training points (or on k-means centres) and every training point is
embedded by the Nystrom extension, the same computation as ``transform``. Time
and memory then grow linearly with the number of samples beyond the landmarks.
"""

from numbers import Integral

import numpy as np
from sklearn.cluster import MiniBatchKMeans

from skdvae.utils._sklearn_compat import Interval, StrOptions

__all__ = [
    "AUTO_LANDMARKS",
    "N_LANDMARKS_OPTIONS",
    "choose_landmarks",
    "resolve_n_landmarks",
]

# n_landmarks="auto": every point up to AUTO_LANDMARKS samples, then
# AUTO_LANDMARKS random landmarks. Measured with
# `python -m benchmarks.bench_scaling --parts landmarks` (Swiss roll; see
# docs/diffusion_map.md, "Large data").
AUTO_LANDMARKS = 100_000

#: The values ``DiffusionMap(n_landmarks=...)`` accepts (parameter constraint).
N_LANDMARKS_OPTIONS = [
    Interval(Integral, 2, None, closed="left"),
    StrOptions({"auto"}),
    None,
]


def resolve_n_landmarks(n_landmarks, n_samples):
    """The number of landmarks to fit on, or None for every point.

    Parameters
    ----------
    n_landmarks : int, "auto" or None
        The ``n_landmarks`` parameter. ``"auto"`` is None (every point) up to
        ``AUTO_LANDMARKS`` samples and ``AUTO_LANDMARKS`` above.
    n_samples : int
        Training points.

    Returns
    -------
    n_landmarks_ : int or None
    """
    if n_landmarks != "auto":
        return n_landmarks
    return None if n_samples <= AUTO_LANDMARKS else AUTO_LANDMARKS


def choose_landmarks(X, n_landmarks, method, precomputed, random_state):
    """Points to compute the spectrum on, and the points to extend it to.

    Parameters
    ----------
    X : ndarray or sparse matrix
        Training data, or a square distance matrix if ``precomputed``.
    n_landmarks : int, "auto" or None
        Number of landmarks (:func:`resolve_n_landmarks`); None uses every
        point.
    method : {"random", "kmeans"}
        Draw landmarks from the data, or use mini-batch k-means centres.
    precomputed : bool
        Whether ``X`` holds distances.
    random_state : numpy.random.RandomState
        Source of randomness.

    Returns
    -------
    X_fit : ndarray or sparse matrix
        The landmarks (for precomputed distances: their distance matrix).
    queries : ndarray, sparse matrix or None
        What to Nystrom-extend to get every training point's coordinates
        (for precomputed distances: distances to the landmarks), or None when
        every point is fitted.
    """
    n_landmarks = resolve_n_landmarks(n_landmarks, X.shape[0])
    if n_landmarks is None:
        return X, None
    if method == "kmeans":
        if precomputed:
            raise ValueError(
                "landmark_method='kmeans' needs feature vectors; with "
                "metric='precomputed' use landmark_method='random'."
            )
        km = MiniBatchKMeans(
            n_clusters=n_landmarks, random_state=random_state, n_init=1, batch_size=4096
        ).fit(X)
        return km.cluster_centers_.astype(X.dtype), X
    index = np.sort(random_state.choice(X.shape[0], n_landmarks, replace=False))
    if precomputed:
        return X[index][:, index], X[:, index]
    return X[index], X
