"""Landmark selection for diffusion maps on large data."""

import numpy as np
from sklearn.cluster import MiniBatchKMeans

__all__ = ["choose_landmarks"]


def choose_landmarks(X, n_landmarks, method, precomputed, random_state):
    """Points to compute the spectrum on, and the points to extend it to.

    Parameters
    ----------
    X : ndarray or sparse matrix
        Training data, or a square distance matrix if ``precomputed``.
    n_landmarks : int or None
        Number of landmarks; None uses every point.
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
