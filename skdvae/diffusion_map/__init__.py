"""Diffusion maps: the :class:`DiffusionMap` estimator and its mathematics.

The estimator (``_estimator``) only validates, orchestrates and stores fitted
state; the mathematics lives in pure functions on arrays:

- ``_neighbors``: exact, approximate, estimator-backed or precomputed
  nearest-neighbour search, with the reverse-neighbour queries of new points;
- ``_kernels``: the tapered Gaussian kernel, adaptive scales and bandwidth
  rules;
- ``_graph``: the kernel-graph builder (the only one in the package, also
  used by :class:`skdvae.DiffusionVAE`), alpha-normalisation, the Markov
  operator and its symmetric conjugate, connected components;
- ``_eigensolvers``: seeded, deterministic sparse eigensolvers and the
  Nystrom extension;
- ``_selection``: choice of non-redundant diffusion coordinates;
- ``_components``: per-component spectra and shared, displaced coordinates
  of a disconnected kernel graph, and the warning that says so;
- ``_dimension``: the estimate of ``n_components="auto"``;
- ``_landmarks``: landmark selection for large data;
- ``_preimage``: the local linear pre-image of ``inverse_transform``;
- ``_walk_step``: one step of the diffusion random walk in diffusion
  coordinates (``sample``);
- ``_checks``: size checks and the resolution of the "auto" choices.
"""

from ._estimator import DiffusionMap

__all__ = ["DiffusionMap"]
