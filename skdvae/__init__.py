"""skdvae: diffusion maps and variational diffusion autoencoders for scikit-learn."""

from skdvae.diffusion_map import DiffusionMap
from skdvae.diffusion_vae import DiffusionVAE

__version__ = "0.1.0.dev0"

__all__ = ["DiffusionMap", "DiffusionVAE", "__version__"]
