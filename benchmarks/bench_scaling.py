"""Scaling of DiffusionMap to a million points, next to its peers (issue 12).

Five parts; every fit of the last four runs in a fresh child process
(:func:`benchmarks.measure.measure`: wall-time limit, memory cap, peak
resident memory, numba warm-up kept out of the timings and reported apart).

``transform``
    ``DiffusionMap.transform`` of 10,000 new points after a 50,000-point Swiss
    roll fit against UMAP's (seeded, and unseeded on its parallel path), all
    in one process with the calls interleaved, so that the ratios are of the
    same load. Also checks that ``transform`` of training points reproduces
    ``embedding_``.
``landmarks``
    Landmark counts against the full embedding at 50,000 and 200,000 points:
    fit time, peak memory, Procrustes disparity to the full embedding (0 is
    the same up to rotation, reflection and scale), trustworthiness and the
    Spearman correlations with the roll's two coordinates.
``million``
    DiffusionMap at its defaults on 1,000,000 points: the 3-D Swiss roll and
    the roll embedded in 50 dimensions with noise (:func:`embedded_roll`).
``images``
    DiffusionMap, UMAP and DiffusionVAE at their defaults on all 70,000
    Fashion-MNIST images (the DiffusionVAE fit capped at an hour).
``grid``
    Fit time and peak memory of every method at 10k, 50k, 200k and 1M points
    of the Swiss roll, each fit capped at 10 minutes; a method stops growing
    once a fit fails, times out or exceeds the memory cap. The cost exponent is
    the slope of log time against log n over the sizes a method finished.

Results accumulate in ``benchmarks/results/bench_scaling.json`` (per part, with
the load average before and after it; after every fit, so an interrupted run
keeps what finished) and are rendered to ``bench_scaling.md`` beside it::

    python -m benchmarks.bench_scaling [--parts transform,landmarks,million,grid]
    python -m benchmarks.bench_scaling --quick --out /tmp/scaling.md

The grid's peers come from the ``benchmark`` and ``peers`` extras, and datafold
from its own environment (``benchmarks/results/README.md``); a peer that is not
installed is listed as unavailable.
"""

import argparse
import dataclasses
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.spatial import procrustes

from benchmarks.data import load_dataset
from benchmarks.embeddings import embedding_scores
from benchmarks.measure import measure, save_arrays
from benchmarks.peers import make_estimator, peer_status
from benchmarks.records import git_commit
from benchmarks.scaling_report import (
    CAP_S,
    GRID_METHODS,
    IMAGE_METHODS,
    IMAGES_CAP_S,
    MEMORY_CAP_MB,
    SETUP_S,
    TRUST_SAMPLES,
    render,
)

RESULTS = Path(__file__).resolve().parent / "results" / "bench_scaling.md"
TRANSFORM_METHODS = ("DiffusionMap", "UMAP", "UMAP (unseeded, parallel)")
PROFILES = {
    "full": {
        "transform": (50_000, 10_000, 3),
        "landmarks": {
            50_000: (5_000, 10_000, 20_000),
            200_000: (10_000, 20_000, 50_000, 100_000),
        },
        "million": 1_000_000,
        "images": 70_000,
        "grid": (10_000, 50_000, 200_000, 1_000_000),
    },
    "quick": {
        "transform": (5_000, 1_000, 2),
        "landmarks": {3_000: (1_000,)},
        "million": 20_000,
        "images": 2_000,
        "grid": (2_000, 4_000),
    },
}


def embedded_roll(n_samples, n_features=50, noise=0.1, random_state=0):
    """The Swiss roll in ``n_features`` dimensions, plus isotropic noise.

    The 3-D roll (:func:`skdvae.datasets.make_swiss_roll`) is mapped by a
    random orthonormal ``n_features x 3`` matrix and Gaussian noise of
    standard deviation ``noise`` is added to every coordinate (a noise norm of
    about ``noise * sqrt(n_features)``, 0.7 at the defaults, against about 6
    between the turns of the roll).

    Returns
    -------
    data : benchmarks.data.Dataset
        The points, with the roll's coordinates as ``truth``.
    """
    data = load_dataset("swiss_roll", n_samples, random_state)
    rng = np.random.default_rng(random_state)
    basis, _ = np.linalg.qr(rng.standard_normal((n_features, 3)))
    X = data.X @ basis.T
    X += rng.normal(0.0, noise, X.shape)
    return dataclasses.replace(data, X=X)


def _load():
    return [round(x, 2) for x in os.getloadavg()]


def _fit(method, data, work, params=None, cap=CAP_S):
    """Fit ``method`` on ``data`` in a child process; a JSON-ready row."""
    paths = save_arrays(work, X_train=data.X)
    result = measure(
        method,
        2,
        paths,
        work,
        steps={},
        params=params,
        timeout=cap + SETUP_S,
        memory_limit_mb=MEMORY_CAP_MB,
    )
    for path in paths.values():
        Path(path).unlink()
    if result.ok and result.time_s["fit"] > cap:
        result.status = "timeout"
    row = {"method": method, "n": len(data.X), "status": result.status}
    row["error"] = result.error
    if result.ok:
        fit_mb, base = result.peak_mb["fit"], result.baseline_mb
        row.update(fit_s=result.time_s["fit"], peak_mb=base + fit_mb, fit_mb=fit_mb)
        row.update(warmup_s=result.warmup_s, info=result.info)
        row.update(embedding_scores(data, result, TRUST_SAMPLES))
        row["embedding"] = result.arrays["embedding"]
    return row


# ------------------------------------------------------------- transform
def _wall(func, *args):
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def run_transform(config, save):
    """DiffusionMap's and UMAP's ``transform`` timed in one process."""
    n_train, n_new, repeats = config
    data = load_dataset("swiss_roll", n_train + n_new, 0)
    X, X_new = data.X[:n_train], data.X[n_train:]
    part = {"n_train": n_train, "n_new": n_new, "load_before": _load()}
    models = {name: make_estimator(name, 2, 0) for name in TRANSFORM_METHODS}
    part["fit_s"] = {name: _wall(model.fit, X) for name, model in models.items()}
    calls = {name: [] for name in models}
    for _ in range(1 + repeats):  # the first call, then the repeats
        for name, model in models.items():
            calls[name].append(_wall(model.transform, X_new))
    part["calls_s"] = calls
    dm = models["DiffusionMap"]
    Z = dm.transform(X[:n_new])
    part["reproduction_error"] = float(np.abs(Z - dm.embedding_[:n_new]).max())
    part["load_after"] = _load()
    save("transform", part)


# ------------------------------------------------------------- landmarks
def _agreement(row, full):
    """Procrustes disparity of ``row``'s embedding to the full one."""
    if full.get("status") != "ok" or row.get("status") != "ok":
        return None
    return float(procrustes(full["embedding"], row["embedding"])[2])


def run_landmarks(config, save, work):
    """Landmark counts against the full embedding at each size."""
    part = {"load_before": _load(), "rows": []}
    for n, counts in config.items():
        data = load_dataset("swiss_roll", n, 0)
        full = _fit("DiffusionMap", data, work, {"n_landmarks": None})
        rows = [full] + [
            _fit("DiffusionMap", data, work, {"n_landmarks": count}) for count in counts
        ]
        for row, count in zip(rows, (None, *counts)):
            row["n_landmarks"] = count
            row["procrustes"] = _agreement(row, full)
        part["rows"] += rows
        part["load_after"] = _load()
        save("landmarks", part)


# --------------------------------------------------------------- million
def run_million(n, save, work):
    """DiffusionMap's defaults on ``n`` points, in 3 and in 50 dimensions."""
    part = {"load_before": _load(), "rows": []}
    cases = {
        "Swiss roll (3 features)": lambda: load_dataset("swiss_roll", n, 0),
        "Swiss roll in 50 features, noise 0.1": lambda: embedded_roll(n),
    }
    for label, make in cases.items():
        row = _fit("DiffusionMap", make(), work)
        row["data"] = label
        part["rows"].append(row)
        part["load_after"] = _load()
        save("million", part)


# ---------------------------------------------------------------- images
def run_images(n, save, work):
    """DiffusionMap, UMAP and DiffusionVAE at their defaults on Fashion-MNIST."""
    data = load_dataset("fashion_mnist", n, 0)
    part = {"load_before": _load(), "rows": [], "cap_s": IMAGES_CAP_S, "n": n}
    for method in IMAGE_METHODS:
        part["rows"].append(_fit(method, data, work, cap=IMAGES_CAP_S))
        part["load_after"] = _load()
        save("images", part)


# ------------------------------------------------------------------ grid
def run_grid(sizes, save, work, methods=GRID_METHODS, keep=()):
    """Every available method at every size, until it fails or hits the cap.

    ``keep``: rows of an earlier run (other methods) that the part keeps.
    """
    part = {"load_before": _load(), "rows": list(keep), "unavailable": {}}
    active = []
    for method in methods:
        ok, detail = peer_status(method)
        (active.append(method) if ok else part["unavailable"].update({method: detail}))
    for n in sizes:
        data = load_dataset("swiss_roll", n, 0)
        for method in list(active):
            row = _fit(method, data, work)
            row["load"] = _load()
            part["rows"].append(row)
            if row["status"] != "ok":
                active.remove(method)
            save("grid", part)
    part["load_after"] = _load()
    save("grid", part)


def _strip(value):
    """Copy of a part without the embeddings (they stay out of the JSON)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "embedding"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _saver(md_path):
    json_path = md_path.with_suffix(".json")
    results = json.loads(json_path.read_text()) if json_path.is_file() else {}
    commit = git_commit()

    def save(name, part):
        results[name] = {
            **_strip(part),
            "commit": commit,
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
            "cpus": os.cpu_count(),
        }
        json_path.write_text(json.dumps(results, indent=1) + "\n")
        md_path.write_text(render(results))

    return save


def _grid_methods(args):
    """Methods to run, and the rows of the others to keep (``--methods``)."""
    if not args.methods:
        return GRID_METHODS, ()
    methods = tuple(args.methods.split(","))
    earlier = json.loads(args.out.with_suffix(".json").read_text())["grid"]["rows"]
    return methods, [row for row in earlier if row["method"] not in methods]


def main(argv=None):
    """Command line: run the chosen parts and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="transform,landmarks,million,images,grid")
    parser.add_argument("--quick", action="store_true", help="small sizes (minutes)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--methods",
        help="grid: rerun only these methods (comma-separated), keeping the rest",
    )
    parser.add_argument(
        "--render", action="store_true", help="only rewrite the report from its JSON"
    )
    args = parser.parse_args(argv)
    config = PROFILES["quick" if args.quick else "full"]
    save = _saver(args.out)
    if args.render:
        results = json.loads(args.out.with_suffix(".json").read_text())
        args.out.write_text(render(results))
        return
    with tempfile.TemporaryDirectory() as work:
        runs = {
            "transform": lambda: run_transform(config["transform"], save),
            "landmarks": lambda: run_landmarks(config["landmarks"], save, work),
            "million": lambda: run_million(config["million"], save, work),
            "images": lambda: run_images(config["images"], save, work),
            "grid": lambda: run_grid(config["grid"], save, work, *_grid_methods(args)),
        }
        for name in args.parts.split(","):
            runs[name]()


if __name__ == "__main__":
    main()
