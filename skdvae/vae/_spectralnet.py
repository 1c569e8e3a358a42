"""SpectralNet helpers of DiffusionVAE's stage 1 (numpy and scipy only).

The fixed-width neighbour lists that feed the minibatch spectral loss, and the
Rayleigh-Ritz step that turns the trained SpectralNet features into
diffusion coordinates normalised as :class:`skdvae.DiffusionMap` does.
"""

import numpy as np
from scipy import linalg

__all__ = ["padded_rows", "rayleigh_ritz"]


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
