"""The layout benchmark: rows merge across runs, notes survive, wiring is right."""

import json

import numpy as np
import pytest

from benchmarks import bench_layout
from benchmarks.data import DataUnavailable, load_dataset


def _fashion_available():
    try:
        load_dataset("fashion_mnist", 10, 0)
    except DataUnavailable:
        return False
    return True


@pytest.mark.skipif(not _fashion_available(), reason="Fashion-MNIST not installed")
def test_runs_merge_rows_and_keep_the_notes(tmp_path):
    out = tmp_path / "layout.md"
    first = "DiffusionMap;SpectralEmbedding, n_neighbors=15"
    bench_layout.main(["--n", "400", "--quick", "--out", str(out), "--layouts", first])
    out.write_text(out.read_text().replace("(pending)", "Measured notes."))
    bench_layout.main(
        ["--n", "300", "--quick", "--out", str(out)] + ["--layouts", "DiffusionMap"]
    )
    store = json.loads(out.with_suffix(".json").read_text())
    meta = store.pop("_meta")
    assert len(meta) == 2
    assert set(store) == {
        "DiffusionMap | 400",
        "SpectralEmbedding, n_neighbors=15 | 400",
        "DiffusionMap | 300",
    }
    for row in store.values():
        assert 0.5 < row["trust_2"] <= 1
    text = out.read_text()
    assert text == bench_layout.render(store, meta, "Measured notes.")
    assert "## 300 images" in text and "## 400 images" in text
    assert "| spectral | DiffusionMap |" in text


def test_a_missing_peer_is_reported_not_skipped(monkeypatch):
    monkeypatch.setattr(bench_layout, "peer_status", lambda name: (False, "absent"))
    monkeypatch.setattr(
        bench_layout,
        "load_dataset",
        lambda *args: load_dataset("swiss_roll", 50, 0),
    )
    layout = next(x for x in bench_layout.LAYOUTS if x.name == "PHATE")
    store = {}
    bench_layout.run([layout], 50, store, log=lambda line: None)
    assert store["PHATE | 50"]["error"] == "not installed: PHATE"
    assert "PHATE at 50: not installed: PHATE" in bench_layout.render(store, [])


def test_diffusion_init_umap_starts_from_the_diffusion_coordinates(monkeypatch):
    calls = {}

    class FakeUMAP:
        def __init__(self, params):
            calls["params"] = params

        def fit_transform(self, X):
            return np.asarray(calls["params"]["init"]) * 2

    real = bench_layout.make_estimator

    def make(name, dim, seed, params=None):
        return FakeUMAP(params) if name == "UMAP" else real(name, dim, seed, params)

    monkeypatch.setattr(bench_layout, "make_estimator", make)
    X = load_dataset("swiss_roll", 200, 0).X
    Z = bench_layout.DiffusionInitUMAP(2, random_state=0).fit_transform(X)
    expected = real("DiffusionMap", 2, 0).fit_transform(X)
    np.testing.assert_array_equal(calls["params"]["init"], expected)
    np.testing.assert_array_equal(Z, 2 * expected)


def test_unknown_layout_is_refused(tmp_path):
    with pytest.raises(SystemExit):
        bench_layout.main(["--layouts", "nope", "--out", str(tmp_path / "r.md")])
