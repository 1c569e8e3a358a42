"""Detail coordinates: what the diffusion coordinates do not say about a point.

A few diffusion coordinates ``z`` locate a point on the data manifold but do
not identify it: on images, the training image whose embedding is nearest a
latent point is rarely the nearest in pixel space, so a decoder of ``z`` alone
can only return the mean of the images around ``z`` (a blurred average).
DiffusionVAE therefore gives its decoder ``n_detail`` further latent
coordinates ``u`` trained for reconstruction, with

- a posterior ``q(u | x', z') = N(m_q, diag s_q^2)`` read from the realised
  walk step ``x'`` and the latent step ``z'`` (training only), and
- a prior conditioned on the diffusion coordinates,
  ``p(u | z') = N(m_p(z'), diag s_p(z')^2)``, learned jointly.

Generation keeps the paper's walk: the step ``z'`` comes from the diffusion
random walk, then ``u ~ p(u | z')`` (its noise scaled by the detail
temperature of ``sample`` and ``walk``) and ``x' = decoder(z', u)``. So where on
the manifold a sample lies is decided by the walk, and what it looks like
there by the learned conditional distribution of details. Pure torch.
"""

import torch
from torch import nn

from skdvae.vae._mlp import MLP

__all__ = ["DetailCoordinates", "diagonal_gaussian_kl"]

# Bounds on the log-variances of both Gaussians (numerical safety only: a
# variance of e^-12 is far below any data scale, e^6 far above the prior's 1).
_LOG_VAR_MIN, _LOG_VAR_MAX = -12.0, 6.0


def diagonal_gaussian_kl(mean_q, log_var_q, mean_p, log_var_p):
    """KL( N(mean_q, diag e^log_var_q) || N(mean_p, diag e^log_var_p) ), per row.

    Parameters
    ----------
    mean_q, log_var_q, mean_p, log_var_p : Tensor of shape (..., U)

    Returns
    -------
    Tensor of shape (...)
        The divergence in nats, summed over the last axis.
    """
    ratio = torch.exp(log_var_q - log_var_p)
    maha = (mean_q - mean_p).square() * torch.exp(-log_var_p)
    return 0.5 * (ratio + maha - 1.0 + log_var_p - log_var_q).sum(-1)


class DetailCoordinates(nn.Module):
    """Posterior and conditional prior of the detail coordinates ``u``.

    Both are diagonal Gaussians whose means and log-variances come from MLPs
    of standardised inputs (the standardisations are buffers, set with
    :meth:`set_scaling`).

    Parameters
    ----------
    n_features : int
        Dimension m of the data.
    n_components : int
        Dimension D of the diffusion coordinates.
    n_detail : int
        Dimension U of the detail coordinates.
    hidden_layer_sizes : sequence of int
        Hidden widths of both MLPs.
    activation : str, default="silu"
        Non-linearity of both MLPs.
    """

    def __init__(
        self, n_features, n_components, n_detail, hidden_layer_sizes, activation="silu"
    ):
        super().__init__()
        self.n_detail = int(n_detail)
        width = 2 * self.n_detail
        self.posterior_body = MLP(
            n_features + n_components, hidden_layer_sizes, width, activation
        )
        self.prior_body = MLP(n_components, hidden_layer_sizes, width, activation)
        self.register_buffer("x_shift", torch.zeros(n_features))
        self.register_buffer("x_scale", torch.ones(()))
        self.register_buffer("z_shift", torch.zeros(n_components))
        self.register_buffer("z_scale", torch.ones(()))

    def set_scaling(self, x_shift, x_scale, z_shift, z_scale):
        """Set the standardisations ``(x - x_shift) / x_scale`` and of ``z``."""
        for name, value in zip(
            ("x_shift", "x_scale", "z_shift", "z_scale"),
            (x_shift, x_scale, z_shift, z_scale),
        ):
            buffer = getattr(self, name)
            buffer.copy_(torch.as_tensor(value, dtype=buffer.dtype))
        return self

    def _split(self, h):
        log_var = h[..., self.n_detail :].clamp(_LOG_VAR_MIN, _LOG_VAR_MAX)
        return h[..., : self.n_detail], log_var

    def _z(self, z):
        return (z - self.z_shift) / self.z_scale

    def posterior(self, x, z):
        """Mean and log-variance of ``q(u | x, z)``, each of shape (batch, U)."""
        h = torch.cat([(x - self.x_shift) / self.x_scale, self._z(z)], -1)
        return self._split(self.posterior_body(h))

    def prior(self, z):
        """Mean and log-variance of ``p(u | z)``, each of shape (batch, U)."""
        return self._split(self.prior_body(self._z(z)))

    def draw(self, mean, log_var, eps):
        """Reparameterised draw ``mean + exp(log_var / 2) * eps``."""
        return mean + torch.exp(0.5 * log_var) * eps
