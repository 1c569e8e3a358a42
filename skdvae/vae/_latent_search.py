"""The nearest training embedding of a latent step (stage 2 of DiffusionVAE).

Stage 2 reconstructs, for every sampled latent step ``z'``, the training point
whose embedding lies nearest: the realisation ``x'`` of the walk step. Two
exact searches give the same answer up to near-ties: :func:`nearest_reference`
ranks every embedding with one matrix product per chunk (any device), and
:class:`LatentSearch` queries a k-d tree on the CPU, which is faster while the
latent dimension is small (:func:`use_latent_search` decides).
"""

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors

# LatentSearch is used when the latent dimension is at most the key and there
# are at least the value's training points: k-d trees degrade with dimension,
# and on small sets the batched brute force is as fast. Measured with
# `python -m benchmarks.bench_latent_search`, brute / tree ms per batch of 128:
# D=2: 5k 0.57 / 0.32, 60k 15.7 / 0.38; D=4: 5k 0.48 / 0.46, 60k 18.5 / 0.59;
# D=8: 5k 0.49 / 1.65, 20k 6.89 / 2.79, 60k 25.6 / 6.04; D=12: 60k 17.2 / 36.3.
_TREE_MIN_SAMPLES = {4: 5000, 8: 20_000}

__all__ = ["LatentSearch", "nearest_reference", "use_latent_search"]


def nearest_reference(query, reference, n_nearest=1, chunk_size=8192):
    """Indices of the ``n_nearest`` rows of ``reference`` nearest each query.

    Ranks by ``||r||^2 - 2 q.r`` (the squared distance minus the constant
    ``||q||^2``), one matrix product per chunk of ``reference`` (memory
    ``O(len(query) * chunk_size)``), merged across chunks; no gradient.

    Parameters
    ----------
    query : Tensor of shape (B, D)
    reference : Tensor of shape (n, D)
    n_nearest : int, default=1
    chunk_size : int, default=8192

    Returns
    -------
    LongTensor of shape (B, n_nearest)
        Sorted from nearest.
    """
    best_d, best_i = None, None
    with torch.no_grad():
        for start in range(0, reference.shape[0], chunk_size):
            block = reference[start : start + chunk_size]
            score = torch.addmm(block.square().sum(1), query, block.T, alpha=-2.0)
            if n_nearest == 1:
                d, i = score.min(1, keepdim=True)
            else:
                d, i = torch.topk(
                    score, min(n_nearest, block.shape[0]), dim=1, largest=False
                )
            i = i + start
            if best_d is not None:
                d, order = torch.topk(
                    torch.cat([best_d, d], 1), n_nearest, dim=1, largest=False
                )
                i = torch.gather(torch.cat([best_i, i], 1), 1, order)
            best_d, best_i = d, i
    return best_i


class LatentSearch:
    """Exact nearest training embeddings of latent points, by a k-d tree.

    Training looks up, for every sampled latent step ``z'``, the training
    point whose embedding is nearest. Ranking all ``n`` embeddings per query
    (:func:`nearest_reference`) makes an epoch cost
    ``O(n^2)``; a k-d tree over the ``D``-dimensional embedding answers in
    about ``O(log n)`` per query while ``D`` is small. Tensors in, tensors
    out, the tree itself is numpy (scikit-learn).

    Parameters
    ----------
    embedding : ndarray of shape (n, D)
        Training embeddings.
    n_nearest : int
        Neighbours returned per query.
    """

    def __init__(self, embedding, n_nearest):
        self.index = NearestNeighbors(n_neighbors=n_nearest, algorithm="kd_tree")
        self.index.fit(embedding)

    def __call__(self, z):
        """Indices (LongTensor of shape (B, n_nearest)) nearest each row of ``z``.

        Rows with a NaN or infinite entry get index 0: their loss is not
        finite either, and the training loop reports that.
        """
        query = z.detach().cpu().double().numpy()
        finite = np.isfinite(query).all(axis=1)
        index = np.zeros((len(query), self.index.n_neighbors), dtype=np.int64)
        if finite.any():
            index[finite] = self.index.kneighbors(query[finite], return_distance=False)
        return torch.as_tensor(index, dtype=torch.long, device=z.device)


def use_latent_search(device, n_samples, n_components):
    """Whether stage 2 should use :class:`LatentSearch` (else brute force).

    On the CPU, when the tree is faster than ranking every embedding
    (measured by ``python -m benchmarks.bench_latent_search``).
    """
    if torch.device(device).type != "cpu":
        return False
    return any(
        n_components <= max_dim and n_samples >= min_samples
        for max_dim, min_samples in _TREE_MIN_SAMPLES.items()
    )
