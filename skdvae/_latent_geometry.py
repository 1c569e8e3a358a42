"""Numerical helpers of DiffusionVAE (numpy, scipy, scikit-learn).

The latent geometry the model needs besides its networks: the search for the
training embedding nearest a latent step, the local step covariances of the
prior, the alpha-normalised kernel graph and its
stationary distribution, the fixed-width neighbour lists of the SpectralNet
loss, and the Rayleigh-Ritz step turning SpectralNet features into diffusion
coordinates.
"""

import numpy as np
import torch
from scipy import linalg
from sklearn.neighbors import NearestNeighbors

from skdvae import graph, kernels

# LatentSearch is used when the latent dimension is at most the key and there
# are at least the value's training points: k-d trees degrade with dimension,
# and on small sets the batched brute force is as fast. Measured with
# `python -m benchmarks.bench_latent_search`, brute / tree ms per batch of 128:
# D=2: 5k 0.57 / 0.32, 60k 15.7 / 0.38; D=4: 5k 0.48 / 0.46, 60k 18.5 / 0.59;
# D=8: 5k 0.49 / 1.65, 20k 6.89 / 2.79, 60k 25.6 / 6.04; D=12: 60k 17.2 / 36.3.
_TREE_MIN_SAMPLES = {4: 5000, 8: 20_000}

__all__ = [
    "LatentSearch",
    "global_scale",
    "kernel_graph",
    "local_covariances",
    "mean_step_variance",
    "padded_rows",
    "rayleigh_ritz",
    "use_latent_search",
]


class LatentSearch:
    """Exact nearest training embeddings of latent points, by a k-d tree.

    Training looks up, for every sampled latent step ``z'``, the training
    point whose embedding is nearest. Ranking all ``n`` embeddings per query
    (:func:`skdvae.losses.nearest_reference`) makes an epoch cost
    ``O(n^2)``; a k-d tree over the ``D``-dimensional embedding answers in
    about ``O(log n)`` per query while ``D`` is small. Tensors in, tensors
    out, the tree itself is numpy (scikit-learn).

    Parameters
    ----------
    embedding : ndarray of shape (n, D)
        Training embeddings.
    n_nearest : int
        Neighbours returned per query.
    """

    def __init__(self, embedding, n_nearest):
        self.index = NearestNeighbors(n_neighbors=n_nearest, algorithm="kd_tree")
        self.index.fit(embedding)

    def __call__(self, z):
        """Indices (LongTensor of shape (B, n_nearest)) nearest each row of ``z``.

        Rows with a NaN or infinite entry get index 0: their loss is not
        finite either, and the training loop reports that.
        """
        query = z.detach().cpu().double().numpy()
        finite = np.isfinite(query).all(axis=1)
        index = np.zeros((len(query), self.index.n_neighbors), dtype=np.int64)
        if finite.any():
            index[finite] = self.index.kneighbors(query[finite], return_distance=False)
        return torch.as_tensor(index, dtype=torch.long, device=z.device)


def use_latent_search(device, n_samples, n_components):
    """Whether stage 2 should use :class:`LatentSearch` (else brute force).

    On the CPU, when the tree is faster than ranking every embedding
    (measured by ``python -m benchmarks.bench_latent_search``).
    """
    if torch.device(device).type != "cpu":
        return False
    return any(
        n_components <= max_dim and n_samples >= min_samples
        for max_dim, min_samples in _TREE_MIN_SAMPLES.items()
    )


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


def kernel_graph(X, n_neighbors, alpha, epsilon=None):
    """Alpha-normalised tapered kNN kernel of the training data.

    Returns the kernel (CSR), its row sums ``d`` (``d / d.sum()`` is the
    stationary distribution of the random walk) and the bandwidth.
    """
    dist, idx = NearestNeighbors(n_neighbors=n_neighbors).fit(X).kneighbors(X)
    if epsilon is None:
        epsilon = kernels.median_bandwidth(dist[:, 1:] ** 2)
    K = graph.kernel_matrix(idx, dist, dist[:, -1], epsilon)
    K_alpha, _ = graph.alpha_normalize(K, alpha)
    return K_alpha, np.asarray(K_alpha.sum(axis=1)).ravel(), epsilon


def padded_rows(K):
    """CSR rows as fixed-width (index, weight) arrays padded with weight 0."""
    lengths = np.diff(K.indptr)
    width = int(lengths.max())
    index = np.repeat(np.arange(K.shape[0])[:, None], width, axis=1)
    weight = np.zeros((K.shape[0], width))
    cols = np.arange(K.nnz) - np.repeat(K.indptr[:-1], lengths)
    rows = np.repeat(np.arange(K.shape[0]), lengths)
    index[rows, cols] = K.indices
    weight[rows, cols] = K.data
    return index, weight


def rayleigh_ritz(H, K_alpha, degree, t):
    """Diffusion coordinates in the span of the SpectralNet features ``H``.

    Solves the small generalised eigenproblem of ``(D - W, D)`` restricted to
    the centred columns of ``H``: the best approximation of the leading
    non-trivial eigenvectors of ``P = D^-1 W`` in that span, normalised as
    ``DiffusionMap`` does (``sum_i pi_i psi_j(x_i)^2 = 1``) with a
    deterministic sign, and scaled by ``lambda^t``.

    Returns ``(matrix, shift, eigenvalues)`` with coordinates
    ``H @ matrix + shift``.
    """
    pi = degree / degree.sum()
    mean = pi @ H
    Hc = H - mean
    B = Hc.T @ (Hc * degree[:, None])
    A = B - Hc.T @ np.asarray(K_alpha @ Hc)
    ridge = 1e-10 * np.trace(B) / len(B)
    # Generalised symmetric eigenproblem A v = mu B v, with V^T B V = I.
    mu, V = linalg.eigh(A, B + ridge * np.eye(len(B)))
    V = V * np.sqrt(degree.sum())  # sum_i pi_i psi^2 = 1
    psi = Hc @ V
    signs = np.sign(psi[np.argmax(np.abs(psi), axis=0), np.arange(psi.shape[1])])
    eigenvalues = 1.0 - mu
    if np.any(eigenvalues <= 0):
        raise ValueError(
            f"SpectralNet found non-positive eigenvalues {eigenvalues}; the "
            "network did not converge. Increase max_iter or n_neighbors."
        )
    matrix = V * signs * eigenvalues**t
    return matrix, -mean @ matrix, eigenvalues
