"""
Tuning with ``GridSearchCV``, next to Isomap and UMAP
=====================================================

Both estimators are scikit-learn transformers, so they go into a
:class:`~sklearn.pipeline.Pipeline` and a
:class:`~sklearn.model_selection.GridSearchCV` like any other. Here they
compete with :class:`~sklearn.manifold.Isomap` and, when umap-learn is
installed (``pip install ".[docs]"`` or ``".[benchmark]"``), with
``umap.UMAP``, as the embedding step before a k-nearest-neighbours classifier
of the 8 x 8 digits.

A ``Pipeline`` passes the labels to every step's ``fit``. DiffusionMap and
Isomap ignore them, but ``umap.UMAP.fit(X, y)`` runs supervised UMAP, which
uses the very labels the classifier is scored on. To compare like with like,
the example wraps UMAP so that it ignores them.

Without labels, :meth:`skdvae.DiffusionMap.score` (the negative round-trip
error) lets ``GridSearchCV`` tune the kernel with no scorer at all.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.manifold import Isomap
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skdvae import DiffusionMap

# The first 1,000 digits keep the example fast.
X, y = load_digits(return_X_y=True)
X, y = X[:1000], y[:1000]

embedders = {
    "DiffusionMap": DiffusionMap(n_components=8, random_state=0),
    "Isomap": Isomap(n_components=8),
}
try:
    import umap

    class UnsupervisedUMAP(umap.UMAP):
        """UMAP fitted on X alone: drops the labels the Pipeline passes."""

        def fit(self, X, y=None, *args, **kwargs):
            """Fit on X; y is ignored."""
            return super().fit(X, None, *args, **kwargs)

    embedders["UMAP"] = UnsupervisedUMAP(n_components=8, random_state=0, n_jobs=1)
except ImportError:
    print("umap-learn is not installed: comparing DiffusionMap with Isomap only.")

pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("embed", "passthrough"),
        ("knn", KNeighborsClassifier()),
    ]
)
grid = GridSearchCV(pipe, {"embed": list(embedders.values())}, cv=3)
grid.fit(X, y)

# %%
# Cross-validated accuracy of each embedding (mean and spread over the three
# folds) and the mean time to fit one fold.
names = list(embedders)
mean = grid.cv_results_["mean_test_score"]
std = grid.cv_results_["std_test_score"]
fit_time = grid.cv_results_["mean_fit_time"]
for name, m, s, t in zip(names, mean, std, fit_time):
    print(f"{name:>12}: accuracy {m:.3f} +- {s:.3f}, fit {t:.2f} s")
print("best:", names[grid.best_index_])

# %%
# Unsupervised tuning: the pipeline's score is ``DiffusionMap.score`` on the
# scaled data, so the search picks the bandwidth with the smallest held-out
# round-trip error.
search = GridSearchCV(
    make_pipeline(StandardScaler(), DiffusionMap(n_components=8, random_state=0)),
    {"diffusionmap__epsilon": ["median", 2.0, 8.0, 32.0]},
    cv=3,
)
search.fit(X)
print("bandwidth chosen without labels:", search.best_params_)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
axes[0].bar(names, mean, yerr=std, color=["C0", "C1", "C2"][: len(names)])
axes[0].set_ylim(min(mean) - 0.05, 1.0)
axes[0].set_ylabel("3-fold CV accuracy of kNN")
axes[0].set_title("embedding + kNN classifier on digits")
labels = [str(v) for v in search.cv_results_["param_diffusionmap__epsilon"]]
scores = search.cv_results_["mean_test_score"]
axes[1].plot(labels, scores, "o-")
axes[1].plot(labels[search.best_index_], np.max(scores), "r*", ms=14, label="chosen")
axes[1].set_xlabel("epsilon")
axes[1].set_ylabel("DiffusionMap.score (higher is better)")
axes[1].set_title("bandwidth tuned without labels")
axes[1].legend()
plt.show()
