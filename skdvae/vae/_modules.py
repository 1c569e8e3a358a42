"""PyTorch modules of the variational diffusion autoencoder.

Pure ``torch.nn`` modules, no scikit-learn and no training loop: the encoder
mean psi~(x), the covariance head C_phi(x), the decoder psi~^-1(z) with the
scalar noise variance of its Gaussian likelihood, the SpectralNet
orthonormalisation layer, and the two small training wrappers that skorch
drives (:class:`SpectralNetModule` for stage 1 of the SpectralNet route,
:class:`TransitionModule` for stage 2).

Every module carries its input and output scaling as buffers, so a module
maps raw data units to raw latent units (and back) on its own and the
estimator never has to remember an affine map next to it.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from skdvae.vae._detail import DetailCoordinates, diagonal_gaussian_kl
from skdvae.vae._mlp import MLP

__all__ = [
    "MLP",
    "CovarianceHead",
    "Decoder",
    "EncoderMean",
    "OrthonormLayer",
    "SpectralNetModule",
    "TransitionModule",
]


class _Scaled(nn.Module):
    """Base class holding an input standardisation as buffers."""

    def __init__(self, n_inputs):
        super().__init__()
        self.register_buffer("in_shift", torch.zeros(n_inputs))
        self.register_buffer("in_scale", torch.ones(()))

    def set_input_scaling(self, shift, scale):
        """Set ``(x - shift) / scale`` as the input standardisation."""
        self.in_shift.copy_(torch.as_tensor(shift, dtype=self.in_shift.dtype))
        self.in_scale.copy_(torch.as_tensor(scale, dtype=self.in_scale.dtype))
        return self

    def _standardize(self, x):
        return (x - self.in_shift) / self.in_scale


class EncoderMean(_Scaled):
    """Encoder mean psi~(x): an MLP followed by a fixed affine output map.

    ``forward(x) = body((x - in_shift) / in_scale) @ out_matrix + out_shift``.
    The output affine map de-standardises regression targets (regression
    route) or holds the Rayleigh-Ritz rotation and eigenvalue powers computed
    after SpectralNet training (SpectralNet route).

    Parameters
    ----------
    n_features : int
        Dimension m of the data.
    n_components : int
        Dimension D of the latent space.
    hidden_layer_sizes : sequence of int
        Hidden widths of the MLP body.
    activation : str, default="silu"
        Non-linearity of the body.
    """

    def __init__(self, n_features, n_components, hidden_layer_sizes, activation="silu"):
        super().__init__(n_features)
        self.body = MLP(n_features, hidden_layer_sizes, n_components, activation)
        self.register_buffer("out_matrix", torch.eye(n_components))
        self.register_buffer("out_shift", torch.zeros(n_components))

    def set_output_affine(self, matrix, shift):
        """Set the fixed output map ``h @ matrix + shift``."""
        self.out_matrix.copy_(torch.as_tensor(matrix, dtype=self.out_matrix.dtype))
        self.out_shift.copy_(torch.as_tensor(shift, dtype=self.out_shift.dtype))
        return self

    def features(self, x):
        """Return the body output before the affine output map."""
        return self.body(self._standardize(x))

    def forward(self, x):
        """Return psi~(x), shape (batch, n_components)."""
        return self.features(x) @ self.out_matrix + self.out_shift


class CovarianceHead(_Scaled):
    """Full positive-definite covariance C_phi(x) through its Cholesky factor.

    The MLP outputs D (D + 1) / 2 numbers per point: the strictly lower
    triangle of the factor, and a diagonal passed through softplus plus a
    floor, so ``C = L L^T`` is positive definite by construction. The factor
    is multiplied by ``out_scale`` (the typical latent step length), so the
    network works in units of order one.

    Parameters
    ----------
    n_features : int
        Dimension m of the data (the head reads x).
    n_components : int
        Dimension D of the latent space.
    hidden_layer_sizes : sequence of int
        Hidden widths of the MLP.
    min_diagonal : float, default=1e-3
        Floor on the diagonal of the unscaled Cholesky factor; the smallest
        eigenvalue of C is at least ``(min_diagonal * out_scale) ** 2``.
    activation : str, default="silu"
        Non-linearity of the MLP.
    """

    def __init__(
        self,
        n_features,
        n_components,
        hidden_layer_sizes,
        min_diagonal=1e-3,
        activation="silu",
    ):
        super().__init__(n_features)
        self.n_components = int(n_components)
        self.min_diagonal = float(min_diagonal)
        n_tril = self.n_components * (self.n_components + 1) // 2
        self.body = MLP(n_features, hidden_layer_sizes, n_tril, activation)
        rows, cols = torch.tril_indices(self.n_components, self.n_components)
        self.register_buffer("tril_rows", rows, persistent=False)
        self.register_buffer("tril_cols", cols, persistent=False)
        self.register_buffer("out_scale", torch.ones(()))

    def set_output_scale(self, scale):
        """Set the latent length scale multiplying the Cholesky factor."""
        self.out_scale.copy_(torch.as_tensor(scale, dtype=self.out_scale.dtype))
        return self

    def forward(self, x):
        """Return the Cholesky factor L(x), shape (batch, D, D), C = L L^T."""
        raw = self.body(self._standardize(x))
        d = self.n_components
        on_diag = self.tril_rows == self.tril_cols
        # softplus(raw + log(e - 1)) = softplus shifted so that raw = 0 maps to 1.
        diag = F.softplus(raw[:, on_diag] + math.log(math.e - 1.0)) + self.min_diagonal
        values = raw.clone()
        values[:, on_diag] = diag
        chol = raw.new_zeros(raw.shape[0], d, d)
        chol[:, self.tril_rows, self.tril_cols] = values
        return chol * self.out_scale


class Decoder(_Scaled):
    """Decoder psi~^-1(z, u) with an isotropic Gaussian likelihood.

    ``forward(z, u) = out_shift + out_scale * g(body([(z - in_shift) /
    in_scale, u]))``, where the detail coordinates ``u`` (already standard,
    see :mod:`skdvae.vae._detail`) are present only when ``n_detail > 0``, and
    ``g`` is the identity, or for a bounded decoder
    ``g(h) = out_low + (out_high - out_low) * sigmoid(h)``: each output then
    lies within its bounds whatever the input.
    ``log_noise_var`` is the learned log-variance of p(x | z, u) per feature,
    in units of ``out_scale ** 2``: learning it makes the weight between the
    reconstruction and KL terms of the ELBO a maximum-likelihood estimate
    instead of a tuning knob.

    Parameters
    ----------
    n_components : int
        Dimension D of the diffusion coordinates.
    n_features : int
        Dimension m of the data.
    hidden_layer_sizes : sequence of int
        Hidden widths of the MLP.
    activation : str, default="silu"
        Non-linearity of the MLP.
    n_detail : int, default=0
        Dimension U of the detail coordinates read besides ``z``.
    bounded : bool, default=False
        Squash each output into bounds given to :meth:`set_output_scaling`.
    """

    def __init__(
        self,
        n_components,
        n_features,
        hidden_layer_sizes,
        activation="silu",
        n_detail=0,
        bounded=False,
    ):
        super().__init__(n_components)
        self.n_detail = int(n_detail)
        self.bounded = bool(bounded)
        self.body = MLP(
            n_components + self.n_detail, hidden_layer_sizes, n_features, activation
        )
        self.register_buffer("out_shift", torch.zeros(n_features))
        self.register_buffer("out_scale", torch.ones(()))
        if self.bounded:
            self.register_buffer("out_low", torch.zeros(n_features))
            self.register_buffer("out_high", torch.ones(n_features))
        self.log_noise_var = nn.Parameter(torch.zeros(()))

    def set_output_scaling(self, shift, scale, low=None, high=None):
        """Set the output de-standardisation ``shift + scale * g(h)``.

        ``low`` and ``high`` (per feature, in the units of the output) are the
        bounds of a bounded decoder, required by it and refused otherwise.
        """
        if self.bounded != (low is not None and high is not None):
            raise ValueError("Output bounds go with a bounded decoder only.")
        dtype = self.out_shift.dtype
        self.out_shift.copy_(torch.as_tensor(shift, dtype=dtype))
        self.out_scale.copy_(torch.as_tensor(scale, dtype=self.out_scale.dtype))
        if self.bounded:
            shift, scale = self.out_shift, self.out_scale
            self.out_low.copy_((torch.as_tensor(low, dtype=dtype) - shift) / scale)
            self.out_high.copy_((torch.as_tensor(high, dtype=dtype) - shift) / scale)
        return self

    def forward(self, z, u=None):
        """Return the decoder mean, shape (batch, n_features)."""
        h = self._standardize(z)
        if self.n_detail:
            h = torch.cat([h, u], -1)
        h = self.body(h)
        if self.bounded:
            # sigmoid(h) written with tanh: torch's float64 sigmoid rounds some
            # entries differently depending on their position in the batch.
            sigmoid = 0.5 + 0.5 * torch.tanh(0.5 * h)
            h = self.out_low + (self.out_high - self.out_low) * sigmoid
        return self.out_shift + self.out_scale * h


class OrthonormLayer(nn.Module):
    """SpectralNet orthonormalisation: weighted centring and whitening.

    In training mode the layer centres and whitens its input batch with
    respect to the weights ``w`` (the graph degrees), through a Cholesky
    factor of the weighted covariance, so that the output satisfies
    ``sum_i w_i y_i = 0`` and ``sum_i w_i y_i y_i^T / sum_i w_i = I`` on the
    batch. The map is differentiable, so the spectral loss sees the
    constraint (as a batch-norm layer would). The last training map is kept
    in buffers and applied unchanged in evaluation mode.

    Removing the weighted mean makes the output D-orthogonal to the constant
    vector, i.e. it drops the trivial eigenvector of the Markov operator.

    Parameters
    ----------
    n_components : int
        Width of the input and output.
    jitter : float, default=1e-6
        Ridge added to the covariance before its Cholesky factorisation,
        relative to its mean diagonal.
    """

    def __init__(self, n_components, jitter=1e-6):
        super().__init__()
        self.jitter = float(jitter)
        self.register_buffer("shift", torch.zeros(n_components))
        self.register_buffer("whitening", torch.eye(n_components))

    def fit_map(self, h, weights=None):
        """Return ``(shift, whitening)`` for a batch ``h`` (differentiable)."""
        if weights is None:
            weights = h.new_ones(h.shape[0])
        p = weights / weights.sum()
        shift = p @ h
        centred = h - shift
        cov = centred.T @ (centred * p[:, None])
        ridge = self.jitter * cov.diagonal().mean().clamp_min(1e-12)
        eye = torch.eye(cov.shape[0], dtype=h.dtype, device=h.device)
        chol = torch.linalg.cholesky(cov + ridge * eye)
        # y = centred @ L^-T has identity weighted covariance.
        whitening = torch.linalg.solve_triangular(chol, eye, upper=False).T
        return shift, whitening

    def forward(self, h, weights=None, apply_to=None):
        """Whiten ``h``; also map the extra rows ``apply_to`` if given.

        In training mode the map is computed from ``h`` (with ``weights``)
        and stored; in evaluation mode the stored map is used.
        """
        if self.training:
            shift, whitening = self.fit_map(h, weights)
            self.shift.copy_(shift.detach())
            self.whitening.copy_(whitening.detach())
        else:
            shift, whitening = self.shift, self.whitening
        out = (h - shift) @ whitening
        if apply_to is None:
            return out
        return out, (apply_to - shift) @ whitening


class SpectralNetModule(nn.Module):
    """Stage-1 training wrapper of the SpectralNet route.

    An :class:`EncoderMean` (whose ``features`` are trained) followed by
    :class:`OrthonormLayer`. ``forward`` receives a batch of points and, for
    each, its graph neighbours, and returns the orthonormalised outputs of
    both (the neighbours are whitened with the batch's map). The spectral
    loss of :func:`skdvae.vae._losses.spectral_loss` then drives the output
    towards the leading non-trivial eigenvectors of the Markov operator.

    Parameters
    ----------
    n_features : int
        Dimension m of the data.
    n_components : int
        Dimension D of the output.
    hidden_layer_sizes : sequence of int
        Hidden widths of the encoder body.
    activation : str, default="silu"
        Non-linearity of the body.
    """

    def __init__(self, n_features, n_components, hidden_layer_sizes, activation="silu"):
        super().__init__()
        self.encoder = EncoderMean(
            n_features, n_components, hidden_layer_sizes, activation
        )
        self.orthonorm = OrthonormLayer(n_components)

    def forward(self, x, x_neighbors, weights, degree):
        """Return ``(y, y_neighbors)`` of shapes (B, D) and (B, k, D).

        ``weights`` (B, k) is only read by the loss; ``degree`` (B,) weights
        the batch whitening.
        """
        batch, k, n_features = x_neighbors.shape
        h = self.encoder.features(torch.cat([x, x_neighbors.reshape(-1, n_features)]))
        y, y_nbrs = self.orthonorm(h[:batch], degree, apply_to=h[batch:])
        return y, y_nbrs.reshape(batch, k, -1)


class TransitionModule(nn.Module):
    """Stage-2 training wrapper: covariance head, decoder, detail coordinates.

    One step of the latent random walk by reparameterisation,
    ``z' = mu + L(x) eps`` (:meth:`step`), then the decoding of ``z'``
    (:meth:`decode_step`): with detail coordinates, ``u ~ q(u | x', z')``
    from the realised step ``x'`` and ``x_hat = decoder(z', u)``. The encoder
    mean ``mu`` is frozen and passed in precomputed, so its weights are not
    part of this module. The realised step is looked up between the two
    halves by a function that :meth:`forward` receives
    (:class:`skdvae.vae._nets.TransitionNet` passes the criterion's).

    Parameters
    ----------
    n_features : int
        Dimension m of the data.
    n_components : int
        Dimension D of the diffusion coordinates.
    hidden_layer_sizes : sequence of int
        Hidden widths of the covariance head.
    decoder_hidden_layer_sizes : sequence of int or None, default=None
        Hidden widths of the decoder and of the detail networks (which, like
        the decoder, model the data's detail); None uses
        ``hidden_layer_sizes``.
    n_detail : int, default=0
        Dimension U of the detail coordinates (0: none, the paper's model).
    bounded_output : bool, default=False
        Whether the decoder's outputs are squashed into bounds (see
        :class:`Decoder`).
    min_diagonal : float, default=1e-3
        Floor of the covariance head's Cholesky diagonal.
    activation : str, default="silu"
        Non-linearity of every network.
    """

    def __init__(
        self,
        n_features,
        n_components,
        hidden_layer_sizes,
        decoder_hidden_layer_sizes=None,
        n_detail=0,
        bounded_output=False,
        min_diagonal=1e-3,
        activation="silu",
    ):
        super().__init__()
        self.covariance = CovarianceHead(
            n_features, n_components, hidden_layer_sizes, min_diagonal, activation
        )
        decoder_sizes = decoder_hidden_layer_sizes or hidden_layer_sizes
        self.decoder = Decoder(
            n_components,
            n_features,
            decoder_sizes,
            activation,
            n_detail,
            bounded_output,
        )
        self.detail = None
        if n_detail:
            self.detail = DetailCoordinates(
                n_features, n_components, n_detail, decoder_sizes, activation
            )

    def step(self, x, mu, eps):
        """Return ``(z, chol)``: the latent step from ``x`` and its factor."""
        chol = self.covariance(x)
        n_components = mu.shape[-1]
        z = mu + (chol @ eps[:, :n_components].unsqueeze(-1)).squeeze(-1)
        return z, chol

    def decode_step(self, z, target, eps):
        """Return ``(x_hat, detail_kl)`` for latent steps ``z`` realised as ``target``.

        ``eps`` holds the step noise in its first D columns and the detail
        noise in the next U. ``detail_kl`` is ``KL(q(u|x', z') || p(u|z'))``
        per row (zeros without detail coordinates).
        """
        if self.detail is None:
            return self.decoder(z), z.new_zeros(z.shape[0])
        mean_q, log_var_q = self.detail.posterior(target, z)
        u = self.detail.draw(mean_q, log_var_q, eps[:, z.shape[-1] :])
        kl = diagonal_gaussian_kl(mean_q, log_var_q, *self.detail.prior(z))
        return self.decoder(z, u), kl

    def generate(self, z, eps_u=None):
        """Decode latent points with detail coordinates from their prior.

        ``eps_u`` (batch, U) is standard normal noise; None decodes at the
        prior mean (the deterministic :meth:`DiffusionVAE.inverse_transform`).
        """
        if self.detail is None:
            return self.decoder(z)
        mean, log_var = self.detail.prior(z)
        u = mean if eps_u is None else self.detail.draw(mean, log_var, eps_u)
        return self.decoder(z, u)

    @property
    def n_detail(self):
        """Dimension U of the detail coordinates (0 without them)."""
        return 0 if self.detail is None else self.detail.n_detail

    def reconstruct(self, x, z):
        """Decode ``z`` with ``u`` at its posterior mean given ``x``.

        Returns ``(x_hat, detail_kl)``, the latter ``KL(q(u|x, z) || p(u|z))``
        per row (zeros without detail coordinates): the deterministic terms of
        :meth:`DiffusionVAE.score_samples` (:meth:`decode_step` with zero
        detail noise).
        """
        eps = z.new_zeros(z.shape[0], z.shape[1] + self.n_detail)
        return self.decode_step(z, x, eps)

    def forward(self, x, mu, eps, realise):
        """Return ``(z, chol, x_hat, target, detail_kl)`` for one walk step.

        ``realise`` maps the latent steps ``z`` to their realisations
        ``target`` in data space (the criterion's nearest training point), so
        that the whole step is one call of the module.
        """
        z, chol = self.step(x, mu, eps)
        target = realise(z)
        x_hat, detail_kl = self.decode_step(z, target, eps)
        return z, chol, x_hat, target, detail_kl
