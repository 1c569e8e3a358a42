"""The image-quality benchmark: quick mode runs and its report renders the rows."""

import json

import numpy as np
import pytest

from benchmarks import bench_image_quality as biq
from benchmarks.data import DataUnavailable, load_dataset


def _fashion_available():
    try:
        load_dataset("fashion_mnist", 10, 0)
    except DataUnavailable:
        return False
    return True


def test_cv_accuracy_equals_grid_search_over_the_classifier():
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skdvae import DiffusionMap

    digits = load_dataset("digits")
    X, y = digits.X[:300], digits.labels[:300]
    config = biq.Config("defaults", "defaults")
    row = biq.cv_accuracy(config, X, y, cv_seed=0)
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("embed", DiffusionMap(n_components=biq.N_COMPONENTS, random_state=0)),
            ("knn", KNeighborsClassifier()),
        ]
    )
    cv = StratifiedKFold(biq.N_FOLDS, shuffle=True, random_state=0)
    search = GridSearchCV(pipe, {"knn__n_neighbors": list(biq.KNN_K)}, cv=cv)
    search.fit(X, y)
    assert row["accuracy"] == pytest.approx(search.best_score_)
    assert row["best_k"] == search.best_params_["knn__n_neighbors"]


def test_make_embedding_applies_levers():
    config = biq.Config("x", "x", params={"t": 0.0}, pre=("pca50",))
    steps = biq.make_embedding(config, 3)
    assert steps[0].n_components == 50
    assert (steps[1].n_components, steps[1].t) == (3, 0.0)
    assert biq.make_embedding(biq.Config("raw", "r", "raw"), 8) == []


@pytest.mark.skipif(not _fashion_available(), reason="Fashion-MNIST not installed")
def test_quick_mode_writes_report_and_rows(tmp_path):
    out, rows = tmp_path / "report.md", tmp_path / "rows.json"
    biq.main(
        ["--quick", "--out", str(out), "--json", str(rows)]
        + ["--parts", "knn,trust", "--configs", "defaults;raw pixels"]
    )
    store = json.loads(rows.read_text())
    assert len(store.pop("_meta")) == 1
    assert {(r["config"], r["part"]) for r in store.values()} == {
        ("defaults", "knn"),
        ("raw pixels", "knn"),
        ("defaults", "trust"),
    }
    for row in store.values():
        assert all(0 < v <= 1 for k, v in row.items() if k in ("accuracy", "trust_2"))
    text = out.read_text()
    assert biq.render(store, json.loads(rows.read_text())["_meta"]) == text
    assert "| defaults | defaults |" in text
    assert np.isfinite(store["defaults | fashion_mnist 1500"]["trust_8"])


def test_unknown_configuration_is_refused(tmp_path):
    with pytest.raises(SystemExit):
        biq.main(["--configs", "nope", "--out", str(tmp_path / "r.md")])
