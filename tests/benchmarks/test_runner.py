"""The benchmark runner, end to end on the ``tiny`` profile (tiny data, seconds).

Timings are never asserted: the benchmarks measure, the tests only check that
the runner produces a complete report, JSON and figures, and that its pieces
(target verdicts, the Gaussian-VAE baseline, the child-process measurement)
behave.
"""

import contextlib
import io
import json
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("psutil")

from benchmarks import targets  # noqa: E402
from benchmarks.__main__ import main  # noqa: E402
from benchmarks.gaussian_vae import GaussianVAE  # noqa: E402
from benchmarks.measure import measure, save_arrays  # noqa: E402
from benchmarks.target_rules import STATUSES  # noqa: E402

SECTIONS = (
    "## Environment",
    "## Methods compared",
    "## How it is measured",
    "## Targets",
    "## 1. Generative fidelity on synthetic manifolds",
    "## 2. Real data: Frey faces and Fashion-MNIST",
    "## 3. Manifold learning",
    "## 3b. Scale: large Swiss rolls",
    "## 4. Pipelines",
    "## Failures, skips and time-outs",
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    log = io.StringIO()  # not a terminal: plain progress lines
    with contextlib.redirect_stderr(log):
        assert main(["--profile", "tiny", "--out", str(out)]) == 0
    (out / "progress.log").write_text(log.getvalue())
    return out


def test_tiny_profile_progress_is_plain_and_follows_the_plan(tiny_run):
    from benchmarks.profiles import get_profile
    from benchmarks.runner import SECTIONS, planned_fits

    log = (tiny_run / "progress.log").read_text()
    assert "\r" not in log and "\x1b" not in log  # no redraws, no colour codes
    planned = planned_fits(get_profile("tiny"), list(SECTIONS), lambda m: (True, ""))
    results = json.loads((tiny_run / "results.json").read_text())
    done = [tuple(step[:2]) for step in results["fit_times"]]
    assert done == planned  # the plan lists exactly the fits the sections ran
    assert all(step[2] >= 0 for step in results["fit_times"])
    n = len(planned)
    assert f"{n} fits planned" in log
    assert f"1/{n} fits, about " in log and f"{n}/{n} fits" in log


def test_tiny_report_reads_on_its_own(tiny_run):
    report = (tiny_run / "report.md").read_text()
    assert re.search(r"#\d", report) is None  # no tracker numbers
    assert "issue" not in report.lower()
    assert "**DiffusionMap against UMAP**:" in report  # areas, with their question
    assert "target stated at 50,000 points, measured at 600" in report
    assert "**This run measured smaller problems (600 and 1,500 points)**" in report
    assert "- **Spearman ↑**: Spearman rank correlation" in report
    assert "### Swiss roll (300 training + 60 held-out points" in report


def test_tiny_profile_writes_report_json_and_figures(tiny_run):
    report = (tiny_run / "report.md").read_text()
    for heading in SECTIONS:
        assert heading in report, heading
    assert "python -m benchmarks --profile tiny" in report
    assert "| DiffusionMap | ok |" in report
    results = json.loads((tiny_run / "results.json").read_text())
    assert set(results["sections"]) == {
        "generative",
        "real",
        "manifold",
        "scale",
        "pipelines",
    }
    assert results["meta"]["hardware"]["logical_cores"] >= 1
    assert results["meta"]["packages"]["numpy"] == np.__version__
    for section in results["sections"].values():
        assert "error" not in section, section.get("error")
    pngs = sorted(p.name for p in (tiny_run / "figures").glob("*.png"))
    assert "embeddings_swiss_roll_300.png" in pngs
    assert "samples_loop_latent2.png" in pngs
    for name in pngs:
        assert f"figures/{name}" in report
        assert (tiny_run / "figures" / name).stat().st_size > 1000


def test_tiny_profile_numbers(tiny_run):
    results = json.loads((tiny_run / "results.json").read_text())
    manifold = results["sections"]["manifold"]["cases"][0]
    rows = {r["method"]: r for r in manifold["rows"]}
    dm = rows["DiffusionMap"]
    assert dm["status"] == "ok"
    assert 0.5 < dm["trustworthiness"] <= 1.0
    assert dm["fit_s"] > 0 and dm["peak_fit_mb"] is not None
    assert dm["roundtrip_relative"] is not None
    assert "inverse_transform" in rows["Isomap"]["unsupported"]
    gen = results["sections"]["generative"]["cases"][0]
    methods = [s["method"] for s in gen["summary"]]
    assert methods[0] == "true distribution"
    assert {"DiffusionMap", "GaussianVAE"} <= set(methods)
    truth = gen["summary"][0]
    assert truth["precision_mean"] > 0.5
    real = {c["dataset"]: c for c in results["sections"]["real"]["cases"]}
    assert "skipped" in real["fashion_mnist"]  # not in the tiny profile
    statuses = {t["status"] for t in results["targets"]}
    assert statuses <= set(STATUSES)


def test_tiny_profile_measures_the_issue_9_numbers(tiny_run):
    from benchmarks.real import SAME_TOTAL
    from skdvae import DiffusionVAE

    results = json.loads((tiny_run / "results.json").read_text())
    loop = results["sections"]["generative"]["cases"][0]
    dvae = next(s for s in loop["summary"] if s["method"] == "DiffusionVAE")
    assert dvae["walk_n_steps_mean"] == 10 and dvae["walk_n_walkers_mean"] == 20
    assert 1 <= dvae["walk_bins_mean"] <= 20
    assert 0 <= dvae["walk_outside_mean"] <= dvae["walk_outside_strict_mean"] <= 1
    assert 0 <= dvae["walk_acceptance_mean"] <= 1
    frey = results["sections"]["real"]["cases"][0]
    if "skipped" in frey:
        pytest.skip(frey["skipped"])
    rows = {r["method"]: r for r in frey["rows"]}
    total = 3 + DiffusionVAE().get_params()["n_detail_components"]
    same = rows[f"GaussianVAE (latent {total})"]
    assert SAME_TOTAL in same["role"] and same["latent_dim"] == total
    assert (
        "GaussianVAE (latent 3)" in rows and rows["DiffusionVAE"]["latent_dim"] == total
    )
    assert sum("best recall" in r["role"] for r in frey["rows"]) == 1
    for row in frey["rows"]:
        assert row["novelty"] > 0  # held-out images are ~1 by construction
    assert rows["DiffusionVAE"]["walk_distance_1"] > 0
    report = (tiny_run / "report.md").read_text()
    assert "novelty (≈ 1; near 0: copies)" in report
    assert "| DiffusionVAE | 20 x 10 |" in report  # walk-stability tables
    assert report.count("| start points (held-out data) |") == 2
    assert f"**GaussianVAE (latent {total})**" in report


def test_real_section_repeats_the_target_pair_over_seeds(tmp_path, monkeypatch):
    from dataclasses import replace

    from benchmarks import figures
    from benchmarks.profiles import get_profile
    from benchmarks.real import SAME_TOTAL, plan
    from benchmarks.runner import run

    grids = []
    draw = figures.image_grid
    monkeypatch.setattr(
        figures, "image_grid", lambda path, *a: grids.append(path) or draw(path, *a)
    )
    tiny = get_profile("tiny")
    profile = replace(tiny, real=dict(tiny.real, seeds=(0, 1)), sections=("real",))
    keys = plan(profile)
    assert len(set(keys)) == len(keys) == 4 + 2 and keys[-1][0].endswith("seed 1")
    report, data = run(profile, tmp_path, stream=io.StringIO())
    results = json.loads(data.read_text())
    assert set(results["sections"]) == {"real"}  # the profile's own sections
    frey = results["sections"]["real"]["cases"][0]
    if "skipped" in frey:
        pytest.skip(frey["skipped"])
    assert [r["seed"] for r in frey["rows"]] == [0] * 4
    repeats = frey["repeats"]
    assert [r["seed"] for r in repeats] == [1, 1]
    assert repeats[0]["method"] == "DiffusionVAE" and SAME_TOTAL in repeats[1]["role"]
    assert "long_walk" in frey["rows"][0]["time_s"]
    assert not {"walk", "long_walk"} & set(repeats[0]["time_s"])  # scores only
    # Real images, then seed 0's samples of 4 models and DiffusionVAE's walks.
    assert len(grids) == 1 + 4 + 1
    dvae = next(s for s in frey["summary"] if s["method"] == "DiffusionVAE")
    assert dvae["seeds"] == [0, 1] and dvae["n_ok"] == 2
    rows = [frey["rows"][0], repeats[0]]
    assert dvae["recalls"] == [r["recall"] for r in rows]
    assert dvae["recall_mean"] == pytest.approx(np.mean(dvae["recalls"]))
    recall = next(
        t for t in results["targets"] if "Frey faces: DiffusionVAE rec" in t["target"]
    )
    assert "mean of 2 seeds" in recall["measured"]
    assert f"{dvae['recall_mean']:.3f} vs" in recall["measured"]
    assert "Over seeds 0, 1 (the table above is seed 0)" in report.read_text()


def test_real_seeds_must_be_distinct():
    from dataclasses import replace

    from benchmarks.profiles import get_profile
    from benchmarks.real import plan

    tiny = get_profile("tiny")
    for seeds in [(), (0, 0)]:
        profile = replace(tiny, real=dict(tiny.real, seeds=seeds))
        with pytest.raises(ValueError, match="distinct seeds"):
            plan(profile)


def _scale(dm_fit, umap_fit, dm_trust=0.95, umap_trust=0.96, n=50_000):
    rows = [
        {
            "method": "DiffusionMap",
            "status": "ok",
            "fit_s": dm_fit,
            "trustworthiness": dm_trust,
            "peak_fit_mb": 900.0,
            "roundtrip_mse": 0.1,
        },
        {
            "method": "UMAP",
            "status": "ok",
            "fit_s": umap_fit,
            "trustworthiness": umap_trust,
            "roundtrip_mse": 0.3,
        },
    ]
    return {"compare": {"n_train": n, "n_test": 10, "rows": rows}, "large": {}}


def _verdict(found, prefix):
    return next(t["status"] for t in found if t["target"].startswith(prefix))


def test_targets_follow_the_measurements():
    met = targets.evaluate({"sections": {"scale": _scale(10.0, 40.0)}})
    assert _verdict(met, "DiffusionMap fits at least") == "met"
    assert _verdict(met, "DiffusionMap trust") == "met"
    assert _verdict(met, "DiffusionMap peak") == "met"
    assert _verdict(met, "DiffusionMap's held-out") == "met"
    assert _verdict(met, "DiffusionMap fits 200,000") == "not measured"
    slow = targets.evaluate({"sections": {"scale": _scale(20.0, 40.0, 0.9)}})
    assert _verdict(slow, "DiffusionMap fits at least") == "not met"
    assert _verdict(slow, "DiffusionMap trust") == "not met"
    small = targets.evaluate({"sections": {"scale": _scale(10.0, 40.0, n=5000)}})
    assert _verdict(small, "DiffusionMap fits at least") == "met at a smaller size"
    slow_small = targets.evaluate({"sections": {"scale": _scale(20.0, 40.0, n=5000)}})
    speed = next(t for t in slow_small if t["target"].startswith("DiffusionMap fits"))
    assert speed["status"] == "not met at a smaller size"
    assert "target stated at 50,000 points, measured at 5,000" in speed["measured"]


def _grid_case(n_components, dvae_modes):
    summary = [
        {"method": "DiffusionVAE", "n_ok": 2, "modes_hit_mean": dvae_modes},
        {"method": "GaussianVAE", "n_ok": 2, "modes_hit_mean": 20.0},
    ]
    for row, gw in zip(summary, (0.01, 0.02)):
        row["gromov_wasserstein_mean"] = gw
        row["manifold_distance_mean_mean"] = gw
    return {
        "dataset": "gaussian_grid",
        "n_components": n_components,
        "summary": summary,
    }


def test_targets_check_every_configuration_of_a_dataset():
    cases = [_grid_case(2, 7.5), _grid_case(3, 25.0), _grid_case(24, 25.0)]
    found = targets.evaluate({"sections": {"generative": {"cases": cases}}})
    grid = [t for t in found if t["target"].startswith("5 x 5 Gaussian grid")]
    assert [t["status"] for t in grid] == ["not met", "met", "met"]
    assert "latent dimension 3:" in grid[1]["target"]
    assert {t["area"] for t in grid} == {"separate pieces"}
    gw = [t for t in found if "Gromov-Wasserstein below" in t["target"]]
    on_grid = [t for t in gw if "Gaussian grid" in t["target"]]
    assert [t["status"] for t in on_grid] == ["met", "met", "met"]
    assert {t["status"] for t in gw if t not in on_grid} == {"not measured"}
    distance = [t for t in found if "distance to manifold below" in t["target"]]
    on_grid = [t["status"] for t in distance if "Gaussian grid" in t["target"]]
    assert on_grid == ["met", "met", "met"]


def test_case_labels_are_unique():
    from benchmarks.profiles import PROFILES

    for profile in PROFILES.values():
        for cases in (profile.generative, profile.manifold):
            labels = [case.label for case in cases]
            assert len(labels) == len(set(labels)), profile.name


def test_gaussian_vae_learns_and_samples():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)) @ np.array([[3.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    vae = GaussianVAE(max_iter=30, random_state=0).fit(X)
    assert vae.loss_curve_[-1] < vae.loss_curve_[0]
    assert vae.transform(X).shape == (200, 2)
    assert vae.inverse_transform(vae.transform(X)).shape == X.shape
    a, b = vae.sample(7, random_state=1), vae.sample(7, random_state=1)
    np.testing.assert_array_equal(a, b)
    refit = GaussianVAE(max_iter=30, random_state=0).fit(X)
    np.testing.assert_allclose(refit.transform(X), vae.transform(X), atol=1e-6)


def test_gaussian_vae_shares_the_diffusion_vae_budget():
    from benchmarks.peers import make_estimator
    from skdvae import DiffusionVAE
    from skdvae.vae._settings import training_settings

    params = {"max_iter": 40, "n_iter_no_change": 2, "tol": 1.0}
    vae = make_estimator("GaussianVAE", 2, 0, params)
    assert vae.max_iter == 80  # two DiffusionVAE stages of 40 epochs
    X = np.random.default_rng(0).normal(size=(600, 3))
    vae.set_params(kl_warmup=0.0).fit(X)
    settings = training_settings(DiffusionVAE(**params).get_params(), 3, len(X), 2)
    assert vae.net_.batch_size == settings.batch_size == 37  # not 256
    assert vae.net_.lr == settings.learning_rate_init
    widths = [m.out_features for m in vae.net_.module_.decoder.body.layers[::2]]
    assert tuple(widths[:-1]) == settings.decoder_hidden_layer_sizes
    stopping = dict(vae.net_.callbacks_)["early_stopping"]
    assert stopping.monitor == "train_loss_smooth"
    assert vae.n_iter_ < 80  # stopped by the smoothed-loss rule


def test_measure_reports_errors_and_unsupported_steps(tmp_path):
    X = np.random.default_rng(0).normal(size=(40, 3))
    paths = save_arrays(tmp_path, X_train=X, X_test=X[:5])
    steps = {"transform": True, "inverse_transform": True, "sample": 3}
    result = measure("Isomap", 2, paths, tmp_path, steps=steps, warmup=False)
    assert result.ok
    assert result.arrays["embedding"].shape == (40, 2)
    assert set(result.unsupported) == {"inverse_transform", "sample"}
    bad = measure("Isomap", 2, paths, tmp_path, steps={}, params={"n_neighbors": 100})
    assert bad.status == "error" and "n_neighbors" in bad.error


def test_missing_optional_data_is_reported_and_skipped(tmp_path, monkeypatch):
    from benchmarks.runner import run
    from skdvae import datasets

    def absent(path=None):
        raise FileNotFoundError("Frey faces not found at /nowhere (test).")

    monkeypatch.setattr(datasets, "load_frey_faces", absent)
    report, data = run("tiny", tmp_path, sections=["real"], argv=["--profile", "tiny"])
    text = report.read_text()
    assert "**Skipped:** Frey faces not found at /nowhere (test)." in text
    assert "Not run (left out with `--sections`)." in text
    results = json.loads(data.read_text())
    frey = results["sections"]["real"]["cases"][0]
    assert frey["dataset"] == "frey_faces" and "skipped" in frey
    assert any("frey_faces: skipped" in p for p in results["problems"])
