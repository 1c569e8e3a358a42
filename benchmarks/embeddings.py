"""Embedding sections: the methods against their peers (issue 2).

Section 3, manifold learning (:func:`run_manifold`). For each dataset of the
profile, every available method is fitted on the same training points
(``n_components`` equal for all) in its own child process, and scored in the
parent:

- trustworthiness and continuity (k = 10) on a seeded subsample of the
  training embedding (both are O(n^2));
- Spearman correlation between pairwise distances in the embedding and in the
  true intrinsic coordinates (synthetic data);
- fit time (``fit_transform`` on the training data), ``transform`` time on
  the held-out points, peak memory of the fit above the child's baseline;
- held-out round-trip error ``mean ||x - inverse_transform(transform(x))||^2``
  divided by the held-out variance ``mean ||x - mean(x)||^2``, for the methods
  with an ``inverse_transform``.

Section 3b, scale (:func:`run_scale`): the same comparison on a Swiss roll of
``n_compare`` points (50,000 in ``full``) between ``DiffusionMap`` and
``UMAP`` (seeded, and unseeded so that umap-learn runs its parallel code
path; the targets compare against the faster of the two), and
``DiffusionMap`` with ``n_landmarks`` landmarks on a Swiss roll of
``n_large`` points (200,000 in ``full``): fit time and peak memory.

Section 4, pipelines (:func:`run_pipelines`):
``Pipeline(StandardScaler(), embedding, KNeighborsClassifier())`` in one
``GridSearchCV`` whose grid swaps the embedding step between the methods
(each with its defaults and the same ``n_components``) and
``"passthrough"`` (k-NN on the scaled features, for reference), and tries a
few ``n_neighbors`` of the classifier. Folds are stratified and seeded.
Reported per method: the best mean cross-validated accuracy (over the
classifier settings), its spread over folds, and the mean fit time of one
pipeline. This runs in the main process; scikit-learn clones every
estimator for each fold.
"""

import time
import warnings
from textwrap import shorten

import numpy as np

from benchmarks import figures
from benchmarks.data import display_name, load_dataset, split
from benchmarks.measure import save_arrays
from benchmarks.peers import make_estimator

__all__ = [
    "add_ratios",
    "embedding_scores",
    "plan_manifold",
    "plan_pipelines",
    "plan_scale",
    "roundtrip_error",
    "row_of",
    "run_manifold",
    "run_pipelines",
    "run_scale",
]

_STEPS = {"transform": True, "inverse_transform": True}


def roundtrip_error(X, X_back):
    """Round-trip squared error relative to the variance of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Held-out points.
    X_back : ndarray of shape (n_samples, n_features)
        ``inverse_transform(transform(X))``.

    Returns
    -------
    mse : float
        Mean squared Euclidean error per point.
    relative : float
        ``mse`` divided by the mean squared distance of ``X`` to its mean
        (0 is perfect, 1 is no better than predicting the mean).
    """
    mse = float(np.mean(np.sum((X - X_back) ** 2, axis=1)))
    spread = float(np.mean(np.sum((X - X.mean(axis=0)) ** 2, axis=1)))
    return mse, mse / spread if spread > 0 else float("nan")


def embedding_scores(train, result, max_samples, seed=0, test=None):
    """Quality numbers of one fitted embedding.

    Parameters
    ----------
    train : benchmarks.data.Dataset
        Training data (its ``truth`` feeds the Spearman correlation).
    result : benchmarks.measure.Measurement
        The measured run, with ``arrays["embedding"]``.
    max_samples : int
        Subsample size of the O(n^2) metrics.
    seed : int, default=0
        Seed of the subsample (the same for every method of a comparison).
    test : benchmarks.data.Dataset or None, default=None
        Held-out data, for the round-trip error.

    Returns
    -------
    scores : dict
        ``trustworthiness``, ``continuity``, ``spearman``, ``roundtrip_mse``,
        ``roundtrip_relative`` (None where not applicable).
    """
    from skdvae import metrics

    Z = result.arrays["embedding"]
    rng = np.random.default_rng(seed)
    n = len(Z)
    idx = np.sort(rng.choice(n, min(n, max_samples), replace=False))
    scores = dict.fromkeys(
        [
            "trustworthiness",
            "continuity",
            "spearman",
            "roundtrip_mse",
            "roundtrip_relative",
        ]
    )
    if not np.all(np.isfinite(Z)):
        scores["error"] = "embedding has non-finite values"
        return scores
    scores["trustworthiness"] = metrics.trustworthiness(train.X[idx], Z[idx])
    scores["continuity"] = metrics.continuity(train.X[idx], Z[idx])
    if train.truth is not None:
        scores["spearman"] = metrics.spearman_correlation(
            train.truth, Z, max_samples=min(max_samples, 1000), random_state=seed
        )
    back = result.arrays.get("reconstruction_test")
    if test is not None and back is not None:
        scores["roundtrip_mse"], scores["roundtrip_relative"] = roundtrip_error(
            test.X, back
        )
    return scores


def row_of(result, scores):
    """Flatten a measurement and its scores into one report row."""
    row = result.summary()
    row.update(
        fit_s=result.time_s.get("fit"),
        transform_s=result.time_s.get("transform"),
        inverse_s=result.time_s.get("inverse_transform"),
        peak_fit_mb=result.peak_mb.get("fit"),
    )
    row.update(scores)
    return row


def add_ratios(rows, reference="DiffusionMap"):
    """Add each method's fit time relative to ``reference`` (same run)."""
    ref = next((r for r in rows if r["method"] == reference), None)
    ref_fit = ref.get("fit_s") if ref else None
    for r in rows:
        fit = r.get("fit_s")
        r["fit_vs_reference"] = fit / ref_fit if fit and ref_fit else None
    return rows


def compare(
    ctx,
    label,
    methods,
    train,
    test,
    n_components,
    *,
    figure,
    title,
    max_samples,
    seed=0,
    timeout=None,
):
    """Fit every method on ``train``, score it, draw the embeddings side by side.

    Parameters
    ----------
    ctx : benchmarks.runner.Context
        The run.
    label : str
        Progress label.
    methods : sequence of str
        Methods to run; those not available get an ``unavailable`` row.
    train, test : benchmarks.data.Dataset
        Training and held-out data.
    n_components : int
        Embedding dimension, the same for every method.
    figure, title : str
        File name and title of the figure.
    max_samples : int
        Subsample size of the O(n^2) scores.
    seed : int, default=0
        Seed of the estimators and of the subsample.
    timeout : float or None, default=None
        Wall-time limit of each fit (None: the profile's).

    Returns
    -------
    rows : list of dict
        One row per method, with fit times relative to DiffusionMap's.
    figure : str or None
        Relative path of the figure.
    """
    paths = save_arrays(ctx.work, X_train=train.X, X_test=test.X)
    rows, panels = [], []
    for method in methods:
        unavailable = ctx.unavailable(method)
        if unavailable:
            rows.append(unavailable)
            continue
        result = ctx.run(
            label,
            method,
            n_components,
            paths,
            _STEPS,
            seed=seed,
            timeout=timeout,
        )
        scores = {}
        if result.ok:
            scores = embedding_scores(train, result, max_samples, seed, test)
            panels.append((method, result.arrays["embedding"]))
        rows.append(row_of(result, scores))
    path = ctx.figures / figure
    fig = figures.embeddings(
        path, title, panels, train.color, train.color_label, train.categorical
    )
    return add_ratios(rows), fig


# ---------------------------------------------------- section 3: manifold
def _run_manifold_case(ctx, case, seed=0):
    n_total = None if case.n_samples is None else case.n_samples + case.n_test
    data = load_dataset(case.dataset, n_total, random_state=seed)
    train, test = split(data, case.n_test, random_state=seed)
    rows, fig = compare(
        ctx,
        _manifold_label(case),
        case.methods,
        train,
        test,
        case.n_components,
        figure=f"embeddings_{case.label}.png",
        title=f"{display_name(case.dataset)}: {len(train.X):,} training points",
        max_samples=ctx.profile.trust_max_samples,
        seed=seed,
        timeout=case.timeout,
    )
    return {
        "dataset": case.dataset,
        "label": case.label,
        "n_train": len(train.X),
        "n_test": len(test.X),
        "n_features": train.X.shape[1],
        "n_components": case.n_components,
        "rows": rows,
        "figure": fig,
    }


def _manifold_label(case):
    return f"manifold {case.label}"


def plan_manifold(profile):
    """The fits of section 3 in run order, as ``(label, method)``."""
    return [
        (_manifold_label(case), method)
        for case in profile.manifold
        for method in case.methods
    ]


def run_manifold(ctx):
    """Run section 3, manifold learning against the peers.

    Parameters
    ----------
    ctx : benchmarks.runner.Context
        The run.

    Returns
    -------
    section : dict
        ``cases``: one entry per dataset (rows of numbers, figure path), or
        ``skipped`` with the reason when the data are not installed.
    """
    return {
        "cases": [
            ctx.case(_manifold_label(case), case.dataset, _run_manifold_case, case)
            for case in ctx.profile.manifold
        ]
    }


# ------------------------------------------------------- section 3b: scale
def _scale_compare(ctx, cfg, max_samples):
    n, n_test = cfg["n_compare"], cfg["n_test"]
    train, test = split(load_dataset("swiss_roll", n + n_test, 0), n_test, 0)
    rows, fig = compare(
        ctx,
        _scale_label(n),
        cfg["methods"],
        train,
        test,
        2,
        figure="embeddings_swiss_roll_scale.png",
        title=f"Swiss roll: {n:,} training points",
        max_samples=max_samples,
    )
    return {"n_train": n, "n_test": n_test, "rows": rows, "figure": fig}


def _scale_large(ctx, cfg, max_samples):
    n, n_landmarks = cfg["n_large"], cfg["n_landmarks"]
    data = load_dataset("swiss_roll", n, 1)
    paths = save_arrays(ctx.work, X_train=data.X)
    ok, detail = ctx.available("DiffusionMap")
    if not ok:
        return {"n_train": n, "rows": [{"method": "DiffusionMap", "error": detail}]}
    params = {"n_landmarks": n_landmarks}
    result = ctx.run(_scale_label(n), "DiffusionMap", 2, paths, {}, params)
    scores = {}
    if result.ok:
        scores = embedding_scores(data, result, max_samples, 0)
    row = row_of(result, scores)
    row["params"] = params
    return {"n_train": n, "n_landmarks": n_landmarks, "rows": [row]}


def _scale_label(n_samples):
    return f"scale swiss_roll {n_samples}"


def plan_scale(profile):
    """The fits of section 3b in run order, as ``(label, method)``."""
    cfg = profile.scale
    if not cfg:
        return []
    compare = [(_scale_label(cfg["n_compare"]), m) for m in cfg["methods"]]
    return compare + [(_scale_label(cfg["n_large"]), "DiffusionMap")]


def run_scale(ctx):
    """Run section 3b, the large Swiss rolls.

    Parameters
    ----------
    ctx : benchmarks.runner.Context
        The run.

    Returns
    -------
    section : dict
        ``compare`` and ``large`` results, or ``skipped``.
    """
    cfg = ctx.profile.scale
    if not cfg:
        return {"skipped": f"not part of the {ctx.profile.name} profile"}
    max_samples = int(cfg.get("trust_samples", ctx.profile.trust_max_samples))
    section = {"trust_samples": max_samples}
    section["compare"] = _scale_compare(ctx, cfg, max_samples)
    section["large"] = _scale_large(ctx, cfg, max_samples)
    return section


# --------------------------------------------------- section 4: pipelines
_NONE = "none (k-NN on scaled features)"
#: The "method" of a pipeline search in the progress output and the plan.
SEARCH = "GridSearchCV"


def _candidates(ctx, cfg):
    names, estimators, rows = [], [], []
    for method in cfg["methods"]:
        unavailable = ctx.unavailable(method)
        if unavailable:
            rows.append(unavailable)
            continue
        params = ctx.profile.method_params(method)
        names.append(method)
        estimators.append(make_estimator(method, cfg["n_components"], 0, params))
    return names + [_NONE], estimators + ["passthrough"], rows


def _method_rows(search, names, estimators):
    res = search.cv_results_
    rows = []
    for name, est in zip(names, estimators):
        idx = [i for i, e in enumerate(res["param_embed"]) if e is est]
        scores = np.array([res["mean_test_score"][i] for i in idx])
        if not idx or np.all(np.isnan(scores)):
            rows.append(
                {"method": name, "status": "error", "error": "every fit failed"}
            )
            continue
        best = idx[int(np.nanargmax(scores))]
        rows.append(
            {
                "method": name,
                "status": "ok",
                "accuracy_mean": float(res["mean_test_score"][best]),
                "accuracy_std": float(res["std_test_score"][best]),
                "knn_n_neighbors": int(res["param_knn__n_neighbors"][best]),
                "fit_s": float(res["mean_fit_time"][best]),
                "score_s": float(res["mean_score_time"][best]),
            }
        )
    return rows


def _run_pipelines_dataset(ctx, name, n_samples, cfg):
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_dataset(name, n_samples, random_state=0)
    names, estimators, rows = _candidates(ctx, cfg)
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("embed", estimators[0]),
            ("knn", KNeighborsClassifier()),
        ]
    )
    grid = {"embed": estimators, "knn__n_neighbors": list(cfg["n_neighbors"])}
    cv = StratifiedKFold(n_splits=cfg["cv"], shuffle=True, random_state=0)
    search = GridSearchCV(pipe, grid, cv=cv, n_jobs=1)
    n_fits = len(estimators) * len(cfg["n_neighbors"]) * cfg["cv"]
    ctx.progress.start(_pipelines_label(name), SEARCH)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(data.X, data.labels)
    elapsed = time.perf_counter() - start
    rows += _method_rows(search, names, estimators)
    detail = f"{n_fits} cross-validation fits in {elapsed:.0f} s"
    ctx.progress.done(_pipelines_label(name), SEARCH, detail)
    best = search.best_params_["embed"]
    return {
        "dataset": name,
        "n_samples": len(data.X),
        "n_components": cfg["n_components"],
        "cv": cfg["cv"],
        "knn_n_neighbors": list(cfg["n_neighbors"]),
        "rows": rows,
        "best_method": names[[e is best for e in estimators].index(True)],
        "best_score": float(search.best_score_),
        "search_s": elapsed,
        "warnings": sorted({shorten(str(w.message), 200) for w in caught}),
    }


def _pipelines_label(name):
    return f"pipelines {name}"


def plan_pipelines(profile):
    """The searches of section 4 in run order, as ``(label, SEARCH)``."""
    datasets = profile.pipelines.get("datasets", {})
    return [(_pipelines_label(name), SEARCH) for name in datasets]


def run_pipelines(ctx):
    """Run section 4, GridSearchCV over pipelines with each embedding.

    Parameters
    ----------
    ctx : benchmarks.runner.Context
        The run.

    Returns
    -------
    section : dict
        ``cases``: per dataset, accuracy rows per method, or ``skipped``.
    """
    cfg = ctx.profile.pipelines
    cases = [
        ctx.case(_pipelines_label(name), name, _run_pipelines_dataset, name, n, cfg)
        for name, n in cfg.get("datasets", {}).items()
    ]
    return {"cases": cases}
