"""The layout benchmark: rows merge across runs, notes survive, wiring is right."""

import json
import signal
import threading
import time

import numpy as np
import pytest
from sklearn.manifold import trustworthiness
from sklearn.pipeline import make_pipeline

from benchmarks import bench_layout
from benchmarks.data import DataUnavailable, load_dataset
from benchmarks.peers import make_estimator, peer_status


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
    assert [store[k]["run"] for k in sorted(store)] == [2, 1, 1]
    assert all(row["subsamples"] == 1 for row in store.values())
    # the row's score is scikit-learn's trustworthiness of the same embedding
    X = load_dataset("fashion_mnist", 300, 0).X
    Z = make_estimator("DiffusionMap", 2, 0).fit_transform(X)
    expected = trustworthiness(X, Z, n_neighbors=10)
    assert store["DiffusionMap | 300"]["trust_2"] == pytest.approx(expected)
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
    assert "PHATE: not installed: PHATE" in bench_layout.render(store, [])


def test_a_failing_fit_is_recorded_and_the_next_layout_runs(monkeypatch):
    monkeypatch.setattr(
        bench_layout,
        "load_dataset",
        lambda *args: load_dataset("swiss_roll", 60, 0),
    )

    def broken(dim):
        raise TypeError("drifted API")

    layouts = [
        bench_layout.Layout("broken", "spectral", broken),
        next(x for x in bench_layout.LAYOUTS if x.name == "DiffusionMap"),
    ]
    store = {}
    bench_layout.run(layouts, 60, store, log=lambda line: None, quick=True)
    assert store["broken | 60"]["error"] == "TypeError: drifted API"
    assert 0 < store["DiffusionMap | 60"]["trust_2"] <= 1


def test_a_layout_past_the_time_limit_is_stopped_and_recorded(monkeypatch):
    monkeypatch.setattr(
        bench_layout,
        "load_dataset",
        lambda *args: load_dataset("swiss_roll", 60, 0),
    )

    def stalls(dim):
        time.sleep(30)  # would hold the test for 30 s if the limit did not fire

    layouts = [
        bench_layout.Layout("stalls", "spectral", stalls),
        next(x for x in bench_layout.LAYOUTS if x.name == "DiffusionMap"),
    ]
    store, handler = {}, signal.getsignal(signal.SIGALRM)
    start = time.perf_counter()
    bench_layout.run(layouts, 60, store, log=lambda line: None, time_limit_s=0.5)
    assert time.perf_counter() - start < 20
    assert store["stalls | 60"]["error"] == "LayoutTimeout: no result within 0.5 s"
    assert "trust_2" in store["DiffusionMap | 60"]
    # the alarm is disarmed and the caller's handler back in place
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is handler


def test_a_time_limit_that_cannot_be_enforced_is_refused_before_any_fit():
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="positive"):
            bench_layout.run([], 60, {}, time_limit_s=bad)
    refused = []
    worker = threading.Thread(
        target=lambda: refused.append(_refusal(bench_layout.check_time_limit, 5.0))
    )
    worker.start()
    worker.join()
    assert "main thread" in refused[0]
    signal.setitimer(signal.ITIMER_REAL, 100.0)
    try:
        with pytest.raises(ValueError, match="Another wall-clock timer"):
            bench_layout.check_time_limit(5.0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _refusal(check, seconds):
    try:
        check(seconds)
    except ValueError as exc:
        return str(exc)
    return ""


def test_layouts_build_what_their_labels_say():
    pytest.importorskip("umap", reason="umap-learn (benchmark extra) not installed")
    built = {
        x.name: x.build(2)
        for x in bench_layout.LAYOUTS
        if all(peer_status(p)[0] for p in x.needs)
    }
    (spectral_init,) = built["UMAP, n_epochs=0 (its spectral initialisation)"]
    assert spectral_init.n_epochs == 0
    assert built["UMAP"][0].n_epochs is None
    assert built["SpectralEmbedding, n_neighbors=15"][0].n_neighbors == 15
    diffusion, umap = built["UMAP of DiffusionMap's 16 coordinates"]
    assert (diffusion.n_components, umap.n_components) == (16, 2)
    (started,) = built["UMAP started from DiffusionMap"]
    assert (started.n_components, started.random_state) == (2, 0)
    for steps in built.values():
        assert all(getattr(s, "random_state", 0) == 0 for s in steps)


def test_every_installed_layout_fits_as_the_benchmark_fits_it():
    # a pipeline passes y to its last step: a peer that refuses it (as
    # phate.PHATE.fit_transform does) fails here, not in the hour-long run
    X = load_dataset("swiss_roll", 120, 0).X
    for layout in bench_layout.LAYOUTS:
        if all(peer_status(p)[0] for p in layout.needs):
            Z = make_pipeline(*layout.build(2)).fit_transform(X, None)
            assert Z.shape == (120, 2), layout.name


def test_diffusion_init_umap_starts_from_the_diffusion_coordinates(monkeypatch):
    calls = {}

    class FakeUMAP:
        def __init__(self, params):
            calls["params"] = params

        def fit_transform(self, X):
            return np.asarray(calls["params"]["init"]) * 2

    real = bench_layout.make_estimator

    def make(name, dim, seed, params=None):
        if name != "UMAP":
            return real(name, dim, seed, params)
        calls["umap"] = (dim, seed)
        return FakeUMAP(params)

    monkeypatch.setattr(bench_layout, "make_estimator", make)
    X = load_dataset("swiss_roll", 200, 0).X
    Z = bench_layout.DiffusionInitUMAP(2, random_state=3).fit_transform(X)
    expected = real("DiffusionMap", 2, 3).fit_transform(X)
    np.testing.assert_array_equal(calls["params"]["init"], expected)
    np.testing.assert_array_equal(Z, 2 * expected)
    assert calls["umap"] == (2, 3)


def test_unknown_layout_is_refused(tmp_path):
    with pytest.raises(SystemExit):
        bench_layout.main(["--layouts", "nope", "--out", str(tmp_path / "r.md")])
