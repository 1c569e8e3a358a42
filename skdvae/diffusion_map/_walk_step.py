"""One step of the diffusion random walk, seen in diffusion coordinates."""

import numpy as np

__all__ = ["gaussian_steps", "local_step_covariances"]


def local_step_covariances(P, Z):
    """Covariance of one random-walk step around each fitted point.

    ``Sigma_i = sum_j P_ij (z_j - z_i)(z_j - z_i)^T``: the spread of the
    embedded neighbours around ``z_i`` (centred on ``z_i``, not on the origin).

    Parameters
    ----------
    P : scipy.sparse matrix of shape (n, n)
        Markov transition matrix (rows sum to 1).
    Z : ndarray of shape (n, d)
        Coordinates of the fitted points.

    Returns
    -------
    covariances : ndarray of shape (n, d, d)
        Symmetric positive semi-definite matrices.
    """
    n, d = Z.shape
    outer = (Z[:, :, None] * Z[:, None, :]).reshape(n, d * d)
    second = np.asarray(P @ outer).reshape(n, d, d)
    cross = np.asarray(P @ Z)[:, :, None] * Z[:, None, :]
    cov = second - cross - np.swapaxes(cross, 1, 2) + Z[:, :, None] * Z[:, None, :]
    return 0.5 * (cov + np.swapaxes(cov, 1, 2))


def gaussian_steps(Z, covariances, random_state):
    """Draw ``z + N(0, Sigma)`` for each row, with a PSD square root.

    Parameters
    ----------
    Z : ndarray of shape (n, d)
        Start points.
    covariances : ndarray of shape (n, d, d)
        Step covariances (positive semi-definite).
    random_state : numpy.random.RandomState
        Source of the Gaussian noise.

    Returns
    -------
    Z_new : ndarray of shape (n, d)
    """
    values, vectors = np.linalg.eigh(covariances)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))[:, None, :]
    noise = random_state.standard_normal(Z.shape)
    return Z + np.einsum("nij,nj->ni", root, noise)
