"""Pipelines section: embeddings as a step of a supervised pipeline.

``Pipeline(StandardScaler(), embedding, KNeighborsClassifier())`` in one
``GridSearchCV`` whose grid swaps the embedding step between the methods
(``DiffusionMap``, ``DiffusionVAE``, ``Isomap``, ``UMAP``, each with its
defaults and the same ``n_components``) and ``"passthrough"`` (k-NN on the
scaled features, for reference), and tries a few ``n_neighbors`` of the
classifier. Folds are stratified and seeded. Reported per method: the best
mean cross-validated accuracy (over the classifier settings), its spread
over folds, and the mean fit time of one pipeline. This runs in the main
process; scikit-learn clones every estimator for each fold.
"""

import time
import warnings

import numpy as np

from benchmarks.data import DataUnavailable, load_dataset
from benchmarks.peers import make_estimator

__all__ = ["run"]

_NONE = "none (k-NN on scaled features)"
_VAES = ("DiffusionVAE", "GaussianVAE")


def _candidates(ctx, cfg):
    names, estimators, rows = [], [], []
    for method in cfg["methods"]:
        ok, detail = ctx.available(method)
        if not ok:
            rows.append({"method": method, "status": "unavailable", "error": detail})
            continue
        params = ctx.profile.vae_params if method in _VAES else None
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


def _run_dataset(ctx, name, n_samples, cfg):
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
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(data.X, data.labels)
    elapsed = time.perf_counter() - start
    rows += _method_rows(search, names, estimators)
    ctx.progress(f"pipelines {name}", f"GridSearchCV {elapsed:.0f} s")
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
        "warnings": sorted({str(w.message)[:200] for w in caught}),
    }


def run(ctx):
    """Run the pipelines section of the profile.

    Parameters
    ----------
    ctx : benchmarks.context.Context
        The run.

    Returns
    -------
    section : dict
        ``cases``: per dataset, accuracy rows per method, or ``skipped``.
    """
    cfg = ctx.profile.pipelines
    cases = []
    for name, n_samples in cfg.get("datasets", {}).items():
        try:
            cases.append(_run_dataset(ctx, name, n_samples, cfg))
        except DataUnavailable as exc:
            ctx.progress(f"pipelines {name}", "SKIPPED", exc)
            cases.append({"dataset": name, "skipped": str(exc)})
    return {"cases": cases}
