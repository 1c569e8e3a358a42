"""skdvae: diffusion maps and variational diffusion autoencoders for scikit-learn.

Two estimators that embed data, embed new points, map embeddings back to data
space and generate new data on the data's manifold:

- :class:`DiffusionMap` (``skdvae.diffusion_map``): diffusion maps with
  density normalisation, diffusion time, automatic and adaptive bandwidths,
  sparse kNN graphs, seeded sparse eigensolvers, Nystrom ``transform``,
  ``inverse_transform``, ``sample`` and landmarks.
- :class:`DiffusionVAE` (``skdvae.vae``): the variational diffusion
  autoencoder of Li, Lindenbaum, Cheng and Cloninger (ECCV 2020), trained
  with PyTorch through skorch, which generates data by a random walk on the
  learned manifold.

Subpackages: ``skdvae.datasets`` (synthetic manifolds with ground truth and
offline loaders), ``skdvae.metrics`` (embedding and sample quality),
``skdvae.exceptions`` (public warnings), ``skdvae.persistence`` (:func:`save`
and :func:`load`: fitted estimators to a file and back without pickle).
"""

from skdvae import exceptions
from skdvae.diffusion_map import DiffusionMap
from skdvae.persistence import load, save
from skdvae.vae import DiffusionVAE

__version__ = "0.1.0.dev0"

__all__ = [
    "DiffusionMap",
    "DiffusionVAE",
    "__version__",
    "exceptions",
    "load",
    "save",
]
