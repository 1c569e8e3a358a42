"""Loss functions of the variational diffusion autoencoder (torch only).

- :func:`gaussian_kl`: the exact KL divergence between two multivariate
  Gaussians given by Cholesky factors, computed with triangular solves;
- :func:`gaussian_nll`: the isotropic Gaussian negative log-likelihood of the
  decoder with a learned noise variance;
- :func:`realised_step` and :func:`transition_loss`: the negative one-step
  ELBO, reconstructing the training point whose embedding lies nearest the
  sampled latent step (found by :mod:`skdvae.vae._latent_search`);
- :func:`spectral_loss`: the SpectralNet loss sum_ij W_ij ||y_i - y_j||^2;
- :class:`ScaledMSELoss` and :class:`TransitionLoss`: the two as skorch
  criteria (``nn.Module`` holding their constants as buffers).
"""

import math

import torch
from torch import nn

from skdvae.vae._latent_search import nearest_reference

__all__ = [
    "ScaledMSELoss",
    "SpectralLoss",
    "TransitionLoss",
    "gaussian_kl",
    "gaussian_nll",
    "realised_step",
    "spectral_loss",
    "transition_loss",
]

_LOG_2PI = math.log(2.0 * math.pi)


def _logdet_from_chol(chol):
    return 2.0 * torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1)


def gaussian_kl(chol_q, chol_p, mean_q=None, mean_p=None):
    """KL( N(mean_q, C) || N(mean_p, S) ) from Cholesky factors, per row.

    ``0.5 * [tr(S^-1 C) + (m_p - m_q)^T S^-1 (m_p - m_q) - D
    + log det S - log det C]`` with ``C = chol_q chol_q^T`` and
    ``S = chol_p chol_p^T``. The trace is ``||chol_p^-1 chol_q||_F^2``,
    obtained with one batched triangular solve: no inverse, no eigen- or
    singular-value decomposition.

    Parameters
    ----------
    chol_q, chol_p : Tensor of shape (..., D, D)
        Lower-triangular Cholesky factors with positive diagonals.
    mean_q, mean_p : Tensor of shape (..., D), optional
        Means; omitted means are equal (the Mahalanobis term vanishes).

    Returns
    -------
    Tensor of shape (...)
        The divergence, in nats.
    """
    dim = chol_q.shape[-1]
    solved = torch.linalg.solve_triangular(chol_p, chol_q, upper=False)
    kl = solved.square().sum((-2, -1)) - dim
    kl = kl + _logdet_from_chol(chol_p) - _logdet_from_chol(chol_q)
    if mean_q is not None and mean_p is not None:
        diff = (mean_p - mean_q).unsqueeze(-1)
        maha = torch.linalg.solve_triangular(chol_p, diff, upper=False)
        kl = kl + maha.square().sum((-2, -1))
    return 0.5 * kl


def gaussian_nll(x, mean, log_var, scale=1.0):
    """Negative log-density of ``x`` under N(mean, scale^2 exp(log_var) I).

    Summed over the last axis, in nats, in the units of ``x`` (the
    ``m log(scale)`` Jacobian term is included).

    Parameters
    ----------
    x, mean : Tensor of shape (..., m)
    log_var : Tensor (scalar or broadcastable)
        Log noise variance per feature, in units of ``scale ** 2``.
    scale : float or Tensor, default=1.0
        Data length scale (the residual is divided by it).
    """
    scale = torch.as_tensor(scale, dtype=x.dtype, device=x.device)
    resid = ((x - mean) / scale).square()
    n_features = x.shape[-1]
    const = n_features * (log_var + _LOG_2PI + 2.0 * torch.log(scale))
    return 0.5 * (resid.sum(-1) * torch.exp(-log_var) + const)


def realised_step(z, reference_embedding, reference_data, search=None):
    """The realised walk step ``x'`` of each latent step: the nearest training point.

    Parameters
    ----------
    z : Tensor (B, D)
        Sampled latent steps.
    reference_embedding : Tensor (n, D)
        Encoder means of the training points.
    reference_data : Tensor (n, m)
        The training points.
    search : callable or None, default=None
        ``search(z) -> LongTensor (B, 1)``: an exact nearest-neighbour index
        over ``reference_embedding`` (such as
        :class:`skdvae.vae._latent_search.LatentSearch`). None ranks every
        reference row for every query with :func:`nearest_reference`.

    Returns
    -------
    target : Tensor (B, m)
    """
    if search is None:
        index = nearest_reference(z.detach(), reference_embedding, 1)
    else:
        index = search(z.detach())
    return reference_data[index[:, 0]]


def transition_loss(
    chol,
    x_hat,
    target,
    log_noise_var,
    prior_chol,
    data_scale=1.0,
    kl_weight=1.0,
    detail_kl=None,
    detail_weight=1.0,
):
    """Negative one-step ELBO of the diffusion random walk, per sample.

    ``-E_q[log p(x' | z', u)] + kl_weight * KL(q(z'|x) || p(z'|x))
    + detail_weight * KL(q(u|x', z') || p(u|z'))`` with one reparameterised
    draw of ``z'`` (and ``u``). The realised walk step ``x'`` is the training
    point whose embedding lies nearest ``z'`` (:func:`realised_step`); the
    prior ``p(z'|x) = N(psi(x), Sigma(x))`` shares the posterior's mean, so
    its KL needs only the two Cholesky factors. Without detail coordinates
    the last term is absent and this is the paper's objective.

    Parameters
    ----------
    chol : Tensor (B, D, D)
        Cholesky factor of the posterior covariance C_phi(x).
    x_hat : Tensor (B, m)
        Decoder mean at ``(z', u)``.
    target : Tensor (B, m)
        Realised walk steps ``x'``.
    log_noise_var : Tensor (scalar)
        Decoder log noise variance (units of ``data_scale ** 2``).
    prior_chol : Tensor (B, D, D)
        Cholesky factor of the prior covariance Sigma(x).
    data_scale : float or Tensor, default=1.0
    kl_weight : float, default=1.0
    detail_kl : Tensor (B,) or None, default=None
        ``KL(q(u|x', z') || p(u|z'))`` per sample.
    detail_weight : float, default=1.0
        Its weight (ramped up from 0 during the first epochs).

    Returns
    -------
    loss : Tensor (B,)
    reconstruction : Tensor (B,)
        The negative log-likelihood part.
    kl : Tensor (B,)
        The walk-step KL.
    """
    recon = gaussian_nll(target, x_hat, log_noise_var, data_scale)
    kl = gaussian_kl(chol, prior_chol)
    loss = recon + kl_weight * kl
    if detail_kl is not None:
        loss = loss + detail_weight * detail_kl
    return loss, recon, kl


def spectral_loss(y, y_neighbors, weights, degree):
    """SpectralNet loss ``sum_i sum_j W_ij ||y_i - y_j||^2 / sum_i d_i``.

    With outputs whitened so that ``sum_i d_i y_i y_i^T / sum_i d_i = I`` (see
    :class:`skdvae.vae._modules.OrthonormLayer`) this is the trace of the
    generalised Rayleigh quotient of ``(D - W, D)``, minimised by the leading
    non-trivial eigenvectors of the Markov operator ``D^-1 W``.

    Parameters
    ----------
    y : Tensor (B, D)
    y_neighbors : Tensor (B, k, D)
    weights : Tensor (B, k)
        Affinities W_ij from each batch point to its neighbours.
    degree : Tensor (B,)
        Degrees d_i = sum_j W_ij of the batch points.
    """
    sq = (y.unsqueeze(1) - y_neighbors).square().sum(-1)
    return (weights * sq).sum() / degree.sum()


class ScaledMSELoss(nn.Module):
    """Mean squared error divided by ``scale ** 2`` (stage-1 regression).

    Measuring the error in units of the target scale keeps ``tol`` and the
    loss curve comparable across data sets.
    """

    def __init__(self, scale=1.0):
        super().__init__()
        self.register_buffer("scale", torch.as_tensor(float(scale)))

    def forward(self, y_pred, y_true):
        """Return ``mean((y_pred - y_true) ** 2) / scale ** 2``."""
        return ((y_pred - y_true) / self.scale).square().mean()


class SpectralLoss(nn.Module):
    """skorch criterion wrapping :func:`spectral_loss`."""

    def forward(self, y, y_neighbors, weights, degree):
        """Return the spectral loss of the batch."""
        return spectral_loss(y, y_neighbors, weights, degree)


class TransitionLoss(nn.Module):
    """skorch criterion of stage 2: :func:`transition_loss`, mean over the batch.

    It also holds the reference set (embeddings and data of the training
    points) of :func:`realised_step`. The reference is not a constructor
    argument, so that skorch does not keep a second copy of it among the
    net's parameters: set it with :meth:`set_reference` after the net is
    initialised, and clear it with ``set_reference(None, None)``.

    Parameters
    ----------
    data_scale : float, default=1.0
    kl_weight : float, default=1.0
    detail_weight : float, default=1.0
        Weight of the detail KL (a warm-up callback ramps it).
    """

    def __init__(self, data_scale=1.0, kl_weight=1.0, detail_weight=1.0):
        super().__init__()
        self.register_buffer("reference_embedding", torch.zeros(0, 0))
        self.register_buffer("reference_data", torch.zeros(0, 0))
        self.register_buffer("data_scale", torch.as_tensor(float(data_scale)))
        self.kl_weight = float(kl_weight)
        self.detail_weight = float(detail_weight)
        self.search = None

    def set_reference(self, embedding, data, search=None):
        """Set (or with None, clear) the training embeddings and data.

        ``search`` is an optional exact nearest-neighbour index over
        ``embedding`` (see :func:`realised_step`); it is dropped with the
        reference, so a fitted criterion holds no index.
        """
        device = self.data_scale.device
        self.search = search if embedding is not None else None
        if embedding is None:
            embedding, data = torch.zeros(0, 0), torch.zeros(0, 0)
        self.reference_embedding = torch.as_tensor(embedding).to(device)
        self.reference_data = torch.as_tensor(data).to(device)
        return self

    def realised_step(self, z):
        """The training point whose embedding is nearest each row of ``z``."""
        return realised_step(
            z, self.reference_embedding, self.reference_data, self.search
        )

    def forward(self, chol, x_hat, target, log_noise_var, prior_chol, detail_kl):
        """Return the mean negative ELBO of the batch."""
        loss, _, _ = transition_loss(
            chol,
            x_hat,
            target,
            log_noise_var,
            prior_chol,
            self.data_scale,
            self.kl_weight,
            detail_kl,
            self.detail_weight,
        )
        return loss.mean()
