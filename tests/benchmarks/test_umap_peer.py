"""The benchmarks' UMAP ignores the labels a Pipeline passes to it."""

import numpy as np
import pytest
from sklearn.base import clone

pytest.importorskip("umap", reason="umap-learn is not installed")

from benchmarks.peers import make_estimator  # noqa: E402


def test_umap_peer_is_unsupervised_inside_a_pipeline():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] > 0).astype(int)
    umap = make_estimator("UMAP", 2, 0, {"n_epochs": 20})
    with_labels = clone(umap).fit_transform(X, y)
    np.testing.assert_array_equal(with_labels, clone(umap).fit_transform(X))
    # The plain umap-learn estimator does use them: the wrapper is needed.
    import umap as umap_learn

    plain = umap_learn.UMAP(n_components=2, random_state=0, n_epochs=20)
    assert not np.array_equal(clone(plain).fit_transform(X, y), with_labels)
