"""The variational diffusion autoencoder: :class:`DiffusionVAE`.

The estimator (``_estimator``) validates, orchestrates the two training
stages and stores fitted state; below it:

- ``_stages``: the training stages as functions returning fitted nets and
  arrays (stage 1: the encoder mean; stage 2: covariance head and decoder);
- ``_nets``: the private skorch nets, their dataset and callbacks;
- ``_modules``: the pure torch modules (encoder mean, covariance head,
  decoder, SpectralNet layer);
- ``_losses``: the Gaussian KL and likelihood, the one-step ELBO, the
  SpectralNet loss;
- ``_latent_search``: the nearest training embedding of a latent step;
- ``_prior``: the latent prior (local step covariances of the embedding);
- ``_spectralnet``: SpectralNet's neighbour lists and Rayleigh-Ritz step;
- ``_walk``: the random walk that generates data.
"""

from ._estimator import DiffusionVAE

__all__ = ["DiffusionVAE"]
