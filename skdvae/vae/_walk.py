"""Random walks of the variational diffusion autoencoder in latent space.

The paper's walk encodes, steps ``z' ~ N(psi~(x), C_phi(x))``, decodes and
re-encodes. Re-encoding compounds the errors of the encoder-decoder round
trip: off the data the encoder amplifies displacements, so long walks leave
the manifold (on a loop, 100 steps ended on average 2e11 from the curve;
``python -m benchmarks.bench_generation --part walks`` and ``docs/method.md``,
"Random walks").

skdvae walks in latent space instead, as a Metropolis-Hastings chain whose
proposal is the paper's step and whose target is the walk's stationary
distribution seen in latent space:

- proposal ``z' = z + L(x) eps``, ``x = decoder(z)``, ``L`` the learned
  covariance head (no re-encoding);
- target ``p(z) = sum_i pi_i k_h(|z - e_i|)``, the stationary distribution
  ``pi`` on the training embeddings ``e_i`` smoothed by the biweight kernel
  ``k_h(r) = (1 - r^2 / h^2)_+^2`` of radius ``h``;
- accept with probability ``min(1, p(z') q(z | z') / (p(z) q(z' | z)))``.

``p`` vanishes farther than ``h`` from every training embedding, so every
state stays in a compact set fixed at fit time, and detailed balance keeps
``p`` invariant: walkers started from ``p`` (:meth:`LatentSupport.draw`)
stay distributed like it for any number of steps. Each emitted point is
``decoder(z, u)`` with fresh detail coordinates ``u ~ p(u | z)`` when the
model has them, their noise scaled by the detail temperature. All
randomness comes from an explicit CPU ``torch.Generator``.
"""

import warnings

import numpy as np
import torch

from skdvae.exceptions import _user_stacklevel
from skdvae.utils._torch import inference_copy, tensor64, torch_threads
from skdvae.vae._latent_search import (
    LatentSearch,
    nearest_reference,
    use_latent_search,
)

__all__ = [
    "DETAIL_TEMPERATURE",
    "LatentSupport",
    "latent_walk",
    "walk_model",
    "warn_off_support",
]

#: Default multiplier of the detail noise in ``sample`` and ``walk``: 1.25
#: trades some precision for recall on images, where temperature 1 samples are
#: less diverse than the data (``docs/method.md``, "Detail temperature").
DETAIL_TEMPERATURE = 1.25

# Embeddings summed over per walker when the support uses a k-d tree.
_SUPPORT_NEIGHBORS = 32


class LatentSupport:
    """The walk's target density on the latent space (see the module docstring).

    Parameters
    ----------
    embedding : ndarray of shape (n, D)
        Training embeddings ``e_i``.
    weights : ndarray of shape (n,)
        Stationary distribution ``pi`` of the diffusion walk.
    bandwidth : float
        Kernel radius ``h``, in latent units.
    device : str or torch.device, default="cpu"
        Where the density is evaluated.
    """

    def __init__(self, embedding, weights, bandwidth, device="cpu"):
        embedding = np.asarray(embedding, dtype=np.float64)
        self.reference = torch.as_tensor(embedding, device=device)
        self.weights = torch.as_tensor(np.asarray(weights, np.float64), device=device)
        self.bandwidth = float(bandwidth)
        self.search = None
        if use_latent_search(device, *embedding.shape):
            k = min(_SUPPORT_NEIGHBORS, len(embedding))
            self.search = LatentSearch(embedding, k)

    def log_density(self, z, chunk_size=8192):
        """``log p(z)`` per row, ``-inf`` outside the support.

        With a k-d tree the sum runs over the nearest embeddings only, which
        is still a fixed function of ``z`` (so the chain stays exact for it)
        and still ``-inf`` exactly when no embedding lies within ``h``.
        """
        h2 = self.bandwidth**2
        if self.search is not None:
            index = self.search(z)
            d2 = (self.reference[index] - z.unsqueeze(1)).square().sum(-1) / h2
            mass = ((1.0 - d2).clamp_min(0.0).square() * self.weights[index]).sum(1)
            return torch.log(mass)
        mass = z.new_zeros(z.shape[0])
        for start in range(0, self.reference.shape[0], chunk_size):
            block = self.reference[start : start + chunk_size]
            d2 = torch.cdist(z, block).square() / h2
            kernel = (1.0 - d2).clamp_min(0.0).square()
            mass = mass + kernel @ self.weights[start : start + chunk_size]
        return torch.log(mass)

    def nearest(self, z):
        """The training embedding nearest each row of ``z``."""
        return self.reference[nearest_reference(z, self.reference)[:, 0]]

    def draw(self, index, generator):
        """Draw latent points from ``p`` given the kernel centres ``index``.

        With ``index`` drawn from ``pi`` the result is distributed as ``p``
        itself: ``e_i`` plus a draw of the biweight kernel of radius ``h``
        (uniform in the ball, accepted with probability
        ``(1 - r^2 / h^2)^2``, repeated until accepted).
        """
        centres = self.reference[index]
        offsets = torch.empty_like(centres)
        pending = torch.ones(len(index), dtype=torch.bool)
        dim = centres.shape[1]
        while pending.any():
            n = int(pending.sum())
            direction = torch.randn((n, dim), generator=generator, dtype=centres.dtype)
            direction = direction / direction.norm(dim=1, keepdim=True)
            uniform = torch.rand((n, 2), generator=generator, dtype=centres.dtype)
            radius = uniform[:, 0] ** (1.0 / dim)
            keep = uniform[:, 1] < (1.0 - radius**2) ** 2
            rows = pending.nonzero()[:, 0][keep]
            offsets[rows] = (direction * radius[:, None])[keep].to(centres.device)
            pending[rows] = False
        return centres + self.bandwidth * offsets


def _log_proposal(z_to, z_from, chol):
    """``log N(z_to; z_from, L L^T)`` up to the constant ``-D/2 log(2 pi)``."""
    diff = (z_to - z_from).unsqueeze(-1)
    solved = torch.linalg.solve_triangular(chol, diff, upper=False).squeeze(-1)
    log_det = torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1)
    return -0.5 * solved.square().sum(-1) - log_det


def _noise(shape, generator, like):
    return torch.randn(shape, generator=generator, dtype=like.dtype).to(like.device)


def _emit(transition, z, generator, temperature):
    """Decode ``z`` with fresh detail coordinates (if the model has them).

    Their standard normal noise is multiplied by ``temperature`` (the noise is
    drawn whatever its value, so the walk's random stream does not depend on
    it).
    """
    eps_u = None
    if transition.n_detail:
        eps_u = temperature * _noise((z.shape[0], transition.n_detail), generator, z)
    return transition.generate(z, eps_u)


def _walk_chunk(z, n_steps, transition, support, generator, temperature):
    """States of one chunk of walkers, decoded: (n, n_steps + 1, m); acceptances."""
    log_p = support.log_density(z)
    outside = ~torch.isfinite(log_p)
    if outside.any():  # a start point off the support: its nearest embedding
        z = z.clone()
        z[outside] = support.nearest(z[outside])
        log_p = support.log_density(z)
    chol = transition.covariance(transition.generate(z))
    path, accepted = [_emit(transition, z, generator, temperature)], 0
    for _ in range(n_steps):
        z_new = z + (chol @ _noise(z.shape, generator, z).unsqueeze(-1)).squeeze(-1)
        chol_new = transition.covariance(transition.generate(z_new))
        log_p_new = support.log_density(z_new)
        log_ratio = (
            log_p_new
            - log_p
            + _log_proposal(z, z_new, chol_new)
            - _log_proposal(z_new, z, chol)
        )
        uniform = torch.rand(z.shape[0], generator=generator, dtype=z.dtype)
        accept = torch.isfinite(log_p_new) & (
            torch.log(uniform.to(z.device)) < log_ratio
        )
        accepted += int(accept.sum())
        z = torch.where(accept.unsqueeze(-1), z_new, z)
        chol = torch.where(accept[:, None, None], chol_new, chol)
        log_p = torch.where(accept, log_p_new, log_p)
        path.append(_emit(transition, z, generator, temperature))
    return torch.stack(path, 1), accepted


@torch.no_grad()
def latent_walk(
    z_start,
    n_steps,
    transition,
    support,
    generator,
    temperature=1.0,
    batch_size=16384,
):
    """Run the Metropolis-Hastings latent walk from every row of ``z_start``.

    Parameters
    ----------
    z_start : Tensor of shape (n, D)
        Start points in latent space (on the modules' device); one off the
        support starts from its nearest training embedding instead.
    n_steps : int
        Number of steps (0 decodes the start points).
    transition : torch.nn.Module
        Has ``covariance`` (Cholesky factors of the step), ``n_detail`` and
        ``generate(z, eps_u)``, as :class:`skdvae.vae._modules.TransitionModule`.
    support : LatentSupport
        The target density.
    generator : torch.Generator
        CPU generator of all the noise: per step, the proposal, the
        acceptance draw, then the detail coordinates of the emitted points.
    temperature : float, default=1.0
        Multiplies the noise of the detail coordinates: 1 draws them from
        their prior ``p(u | z)``, 0 decodes at its mean.
    batch_size : int, default=16384
        Walkers advanced together (bounds memory). The noise is drawn chunk by
        chunk from one stream, so a walker's path depends on the seed, on
        ``batch_size`` and on the walkers before it.

    Returns
    -------
    paths : Tensor of shape (n, n_steps + 1, n_features)
        Decoded states, on the CPU; row 0 decodes the start.
    acceptance : float
        Fraction of accepted proposals (it scales the mixing time).
    """
    out, accepted = [], 0
    for start in range(0, z_start.shape[0], batch_size):
        chunk = z_start[start : start + batch_size]
        path, n_accepted = _walk_chunk(
            chunk, n_steps, transition, support, generator, temperature
        )
        out.append(path.cpu())
        accepted += n_accepted
    proposals = n_steps * z_start.shape[0]
    return torch.cat(out), accepted / proposals if proposals else float("nan")


def walk_model(module, target, n_steps, rng, temperature=None, Z=None, index=None):
    """Walk a fitted model from latent points ``Z`` or around embeddings ``index``.

    Parameters
    ----------
    module : torch.nn.Module
        The fitted transition module (copied for inference).
    target : tuple of (ndarray, ndarray, float)
        Training embeddings, their stationary weights and the walk bandwidth:
        the :class:`LatentSupport` of the walk.
    n_steps : int
        Steps per walker.
    rng : numpy.random.RandomState
        Seeds the walk's torch generator.
    temperature : float or None, default=None
        Multiplies the detail noise (:func:`latent_walk`); None means
        :data:`DETAIL_TEMPERATURE` for a model with detail coordinates.
    Z : ndarray of shape (n, D) or None
        Start points (a warning for those off the support); None draws them
        around the training embeddings ``index`` instead.
    index : ndarray of shape (n,) or None
        Training embeddings around which the start points are drawn (with
        ``Z=None``).

    Returns
    -------
    paths : ndarray of shape (n, n_steps + 1, n_features)
    acceptance : float
    """
    if temperature is None:
        temperature = DETAIL_TEMPERATURE if module.n_detail else 1.0
    elif temperature != 1.0 and module.n_detail == 0:
        raise ValueError(
            f"detail_temperature={temperature} has no effect: this model has no "
            "detail coordinates (n_detail_components=0). Leave detail_temperature "
            "at its default (None) or 1, or fit with n_detail_components > 0."
        )
    generator = torch.Generator().manual_seed(int(rng.randint(2**31 - 1)))
    transition = inference_copy(module)
    device = next(transition.parameters()).device
    support = LatentSupport(*target, device)
    with torch_threads():
        if Z is None:
            z = support.draw(torch.as_tensor(index), generator)
        else:
            z = tensor64(Z).to(device)
            warn_off_support(support, z)
        paths, acceptance = latent_walk(
            z, n_steps, transition, support, generator, float(temperature)
        )
    return paths.numpy(), acceptance


def warn_off_support(support, z):
    """Warn about start points ``z`` outside the walk's support.

    The walk moves them to their nearest training embedding (see
    :meth:`LatentSupport.log_density`).
    """
    outside = int((~torch.isfinite(support.log_density(z))).sum())
    if outside:
        warnings.warn(
            f"{outside} of {len(z)} start points embed farther than "
            "walk_bandwidth_ from every training embedding; they walk from "
            "their nearest training embedding instead.",
            UserWarning,
            stacklevel=_user_stacklevel(),
        )
