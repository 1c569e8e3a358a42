"""Random walks of the variational diffusion autoencoder in latent space.

One step from a point x: ``z ~ N(psi~(x), C_phi(x))``, ``x' = psi~^-1(z)``;
the next step re-encodes ``x'``. All randomness comes from an explicit
``torch.Generator`` on the CPU: the noise is drawn there and moved to the
modules' device, so a seed gives the same walk on every device (up to
floating-point differences of the device's arithmetic).

The functions take the three modules (encoder mean, covariance head,
decoder) and never change their mode or parameters; callers put them in
evaluation mode.
"""

import torch

__all__ = ["random_walk", "walk_step"]


def _device_of(module):
    return next(module.parameters()).device


def walk_step(x, encoder, covariance, decoder, generator):
    """One random-walk step from each row of ``x``.

    Parameters
    ----------
    x : Tensor of shape (n, n_features)
        Current points, on the modules' device.
    encoder, covariance, decoder : torch.nn.Module
        Encoder mean psi~, covariance head (returns Cholesky factors) and
        decoder psi~^-1.
    generator : torch.Generator
        CPU generator of the Gaussian noise.

    Returns
    -------
    x_next : Tensor of shape (n, n_features)
        Decoded points after the step.
    z : Tensor of shape (n, n_components)
        The latent points the walk stepped to.
    """
    mu = encoder(x)
    chol = covariance(x)
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype)
    z = mu + (chol @ eps.to(mu.device).unsqueeze(-1)).squeeze(-1)
    return decoder(z), z


@torch.no_grad()
def random_walk(
    x_start,
    n_steps,
    encoder,
    covariance,
    decoder,
    generator,
    return_trajectory=True,
    batch_size=16384,
):
    """Run ``n_steps`` random-walk steps from every row of ``x_start``.

    Parameters
    ----------
    x_start : Tensor of shape (n, n_features)
        Start points (any device; moved to the modules' device).
    n_steps : int
        Number of steps (0 returns the start points).
    encoder, covariance, decoder : torch.nn.Module
        The modules of the fitted model.
    generator : torch.Generator
        CPU generator of the Gaussian noise.
    return_trajectory : bool, default=True
        If True return every visited point, else only the last.
    batch_size : int, default=16384
        Walkers advanced together (bounds memory). The noise of each chunk is
        drawn in turn, so results depend on the seed and on ``batch_size``,
        not on anything else.

    Returns
    -------
    Tensor
        On the CPU, of shape (n, n_steps + 1, n_features) if
        ``return_trajectory`` else (n, n_features).
    """
    device = _device_of(decoder)
    out = []
    for start in range(0, x_start.shape[0], batch_size):
        x = x_start[start : start + batch_size].to(device)
        path = [x.cpu()] if return_trajectory else None
        for _ in range(n_steps):
            x, _ = walk_step(x, encoder, covariance, decoder, generator)
            if return_trajectory:
                path.append(x.cpu())
        out.append(torch.stack(path, 1) if return_trajectory else x.cpu())
    return torch.cat(out)
