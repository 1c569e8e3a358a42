"""UMAP as the benchmarks run it: unsupervised, whatever labels it is given.

``Pipeline.fit(X, y)`` passes ``y`` to every step, and ``umap.UMAP.fit(X, y)``
then runs supervised UMAP, which uses the labels that the pipeline's classifier
is scored on (the k-NN accuracy of Fashion-MNIST in the pipeline section: 0.781
with them, 0.753 without, ``benchmarks/results/bench_image_quality.md``). The
other embeddings ignore ``y``, so the benchmarks' UMAP does too. Imported only
where umap-learn is installed.
"""

import umap

__all__ = ["UnsupervisedUMAP"]


class UnsupervisedUMAP(umap.UMAP):
    """``umap.UMAP`` fitted on ``X`` alone; ``y`` is accepted and ignored."""

    def fit(self, X, y=None, *args, **kwargs):
        """Fit on ``X``; ``y`` is ignored (see the module docstring)."""
        return super().fit(X, None, *args, **kwargs)
