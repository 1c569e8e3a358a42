"""Datasets with ground truth, and offline loaders for real data.

Synthetic manifolds (module ``_synthetic``): the generators
:func:`make_loop`, :func:`make_circle`, :func:`make_sphere`,
:func:`make_torus`, :func:`make_swiss_roll`, :func:`make_s_curve`,
:func:`make_two_circles` and :func:`make_gaussian_grid`, with signature
``make_<name>(n_samples, noise=0.0, random_state=None)``, return ``(X, params)``,
with ``params`` the true intrinsic parameters of each sample. The registry
:data:`SYNTHETIC` of :class:`ManifoldDataset` records each one with its true
Betti numbers and the distance of any point to its noise-free manifold; read
them with :func:`make_dataset`, :func:`betti_numbers` and
:func:`distance_to_manifold`. The constants :data:`GRID_SPACING`,
:data:`GRID_STD`, :data:`TORUS_RADII` and :data:`TWO_CIRCLES_CENTERS` fix the
shapes, and :func:`gaussian_grid_centers` gives the Gaussian grid's modes.

Real data (module ``_real``): :func:`load_digits`, :func:`load_frey_faces`
(at :func:`default_frey_faces_path` unless told) and
:func:`load_fashion_mnist` (in :data:`FASHION_MNIST_DIRECTORY` unless told)
read files already on disk and never download anything.

Examples
--------
>>> from skdvae.datasets import betti_numbers, distance_to_manifold, make_torus
>>> X, params = make_torus(500, noise=0.1, random_state=0)
>>> X.shape, params.shape, betti_numbers("torus")
((500, 3), (500, 2), (1, 2, 1))
>>> bool(distance_to_manifold("torus", X).mean() < 0.1)
True
"""

from ._real import (
    FASHION_MNIST_DIRECTORY,
    _read_idx,  # noqa: F401  (tested as skdvae.datasets._read_idx)
    default_frey_faces_path,
    load_digits,
    load_fashion_mnist,
    load_frey_faces,
)
from ._synthetic import (
    GRID_SPACING,
    GRID_STD,
    SYNTHETIC,
    TORUS_RADII,
    TWO_CIRCLES_CENTERS,
    ManifoldDataset,
    betti_numbers,
    distance_to_manifold,
    gaussian_grid_centers,
    make_circle,
    make_dataset,
    make_gaussian_grid,
    make_loop,
    make_s_curve,
    make_sphere,
    make_swiss_roll,
    make_torus,
    make_two_circles,
)

__all__ = [
    "FASHION_MNIST_DIRECTORY",
    "GRID_SPACING",
    "GRID_STD",
    "SYNTHETIC",
    "TORUS_RADII",
    "TWO_CIRCLES_CENTERS",
    "ManifoldDataset",
    "betti_numbers",
    "default_frey_faces_path",
    "distance_to_manifold",
    "gaussian_grid_centers",
    "load_digits",
    "load_fashion_mnist",
    "load_frey_faces",
    "make_circle",
    "make_dataset",
    "make_gaussian_grid",
    "make_loop",
    "make_s_curve",
    "make_sphere",
    "make_swiss_roll",
    "make_torus",
    "make_two_circles",
]
