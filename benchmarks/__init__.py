"""Benchmarks of skdvae against its peers: ``python -m benchmarks --profile quick``.

The runner compares :class:`skdvae.DiffusionMap` and :class:`skdvae.DiffusionVAE`
with Isomap, SpectralEmbedding, UMAP, pyDiffMap, datafold and a Gaussian-prior
VAE of the same size, on synthetic manifolds with ground truth and on offline
real data, and writes a Markdown report, a JSON file of every number and PNG
figures. Each fit runs in a fresh child process (:mod:`benchmarks.measure`) so
its time and peak memory are its own. Profiles are listed in
:mod:`benchmarks.profiles`.
"""
