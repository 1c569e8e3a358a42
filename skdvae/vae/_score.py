"""DiffusionVAE's one-step ELBO of given data, evaluated in batches of rows."""

import numpy as np
import torch

from skdvae.utils._blocks import row_blocks
from skdvae.utils._torch import (
    INFERENCE_BATCH,
    inference_copy,
    pad_rows,
    tensor64,
    torch_threads,
)
from skdvae.vae._losses import gaussian_kl, gaussian_nll

__all__ = ["one_step_elbo"]


def one_step_elbo(module, X, mu, chol, prior, kl_weight):
    """ELBO of each row of ``X`` at the posterior mean, in the model's units.

    Parameters
    ----------
    module : TransitionModule
        The trained stage-2 module (left unchanged; a float64 copy runs).
    X : ndarray of shape (n_samples, n_features)
        Data in the networks' units.
    mu : ndarray of shape (n_samples, n_components)
        Encoder means of ``X``.
    chol : ndarray of shape (n_samples, n_components, n_components)
        Cholesky factors of the learned step covariance at ``mu``.
    prior : ndarray of shape (n_samples, n_components, n_components)
        Cholesky factors of the neighbours' step covariance (the prior).
    kl_weight : float
        Weight of the step covariance's divergence from the prior.

    Returns
    -------
    elbo : ndarray of shape (n_samples,)
        ``-(nll + kl_weight * KL + detail KL)``, computed a batch of rows at a
        time so that the memory does not grow with ``n_samples``.
    """
    module = inference_copy(module).cpu()
    decoder = module.decoder
    elbo = np.empty(X.shape[0])
    with torch.no_grad(), torch_threads():
        for rows in row_blocks(X.shape[0], INFERENCE_BATCH):
            x = tensor64(X[rows])
            n = len(x)  # padded: a row's result must not depend on its batch
            x_hat, detail_kl = module.reconstruct(
                pad_rows(x), pad_rows(tensor64(mu[rows]))
            )
            x_hat, detail_kl = x_hat[:n], detail_kl[:n]
            nll = gaussian_nll(x, x_hat, decoder.log_noise_var, decoder.out_scale)
            kl = gaussian_kl(tensor64(chol[rows]), tensor64(prior[rows]))
            elbo[rows] = -(nll + kl_weight * kl + detail_kl).numpy()
    return elbo
