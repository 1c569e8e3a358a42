"""What DiffusionMap needs to match UMAP on image data (issue 12).

Run ``OMP_NUM_THREADS=1 python -m benchmarks.bench_image_quality`` (about half
an hour on one core); the committed output is
``benchmarks/results/bench_image_quality.md``. Every number is stored in a JSON
file (``--json``, by default under the git-ignored ``benchmarks/output/``;
merged row by row, so ``--configs`` or ``--parts`` rerun a
subset) and the report is rendered from it.

Parts, each for every configuration of :data:`CONFIGS`:

- ``knn``: the pipeline of the benchmark's section 4
  (``benchmarks/embeddings.py``, :func:`run_pipelines`):
  ``StandardScaler``, the embedding with ``n_components=8``, then
  ``KNeighborsClassifier`` with ``n_neighbors`` in (5, 15), 3-fold stratified
  cross-validation seeded 0. Each fold's pipeline is fitted once and the two
  classifiers are fitted on its output, which gives the numbers of
  ``GridSearchCV`` over the classifier's ``n_neighbors``. Reported: the best
  mean accuracy over the two classifiers and its standard deviation over
  folds, on digits (all 1,797) and on the benchmark's Fashion-MNIST subset of
  5,000 (``load_dataset("fashion_mnist", 5000, 0)``).
- ``confirm``: the same on fresh splits: digits with folds seeded 1, and 5,000
  other Fashion-MNIST images (drawn by seed 1 from those outside the first
  subset) with folds seeded 1.
- ``trust``: trustworthiness (k = 10) of the 2-D and the 8-D embedding of
  20,000 Fashion-MNIST images (``load_dataset("fashion_mnist", 20000, 0)``)
  fitted on the raw pixels as section 3 of the benchmark does (no
  ``StandardScaler``); the mean and standard deviation over three seeded
  subsamples of 2,000 points, measured against the raw pixels.
- ``trust60k``: the section-3 case itself: 60,000 training images
  (``split(load_dataset("fashion_mnist", 62000, 0), 2000, 0)``), 2-D,
  trustworthiness on the subsample of 2,000 seeded 0 that the benchmark uses.

A configuration's ``pre`` steps (PCA, row normalisation) run before the
embedding in every part; ``scale=False`` drops the ``StandardScaler`` of the
``knn`` parts only.
"""

import argparse
import json
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler

from benchmarks.data import load_dataset, split
from benchmarks.records import NOTES_MARKER, kept_notes, run_record

KNN_K = (5, 15)
N_FOLDS = 3
N_COMPONENTS = 8
N_CV = 5000
N_TRUST = 20_000
TRUST_SAMPLES = 2000
TRUST_SEEDS = (0, 1, 2)
PARTS = ("knn", "confirm", "trust", "trust60k")
RESULTS = Path(__file__).resolve().parent / "results"
OUTPUT = Path(__file__).resolve().parent / "output"


@dataclass(frozen=True)
class Config:
    """One embedding configuration.

    Parameters
    ----------
    name : str
        Row label.
    lever : str
        What the row changes from DiffusionMap's defaults.
    kind : {"dm", "umap", "pca", "raw"}
        DiffusionMap, UMAP, PCA, or no embedding (k-NN on the features).
    params : dict
        Constructor arguments of the embedding.
    pre : tuple of str
        Steps before the embedding: ``"pca50"`` (PCA to 50 dimensions),
        ``"l2"`` (rows scaled to unit norm).
    scale : bool
        Whether the ``knn`` pipelines start with ``StandardScaler``.
    supervised : bool
        Whether the ``knn`` pipelines pass the training labels to the
        embedding's ``fit_transform``, as ``Pipeline.fit`` inside
        ``GridSearchCV`` does: UMAP then runs its supervised variant.
    parts : tuple of str
        Parts the configuration runs in.
    """

    name: str
    lever: str
    kind: str = "dm"
    params: dict = field(default_factory=dict)
    pre: tuple = ()
    scale: bool = True
    supervised: bool = False
    parts: tuple = ("knn", "confirm")


_MAIN = ("knn", "confirm", "trust", "trust60k")
_LEVER = ("knn", "confirm", "trust")


def _dm(name, lever, parts=_LEVER, **params):
    return Config(name, lever, params=params, parts=parts)


CONFIGS = (
    Config("raw pixels", "reference", "raw", parts=("knn", "confirm")),
    Config("PCA", "reference", "pca", parts=("knn", "confirm", "trust")),
    Config("UMAP", "reference", "umap", parts=_MAIN),
    Config("UMAP given y (section 4)", "reference", "umap", supervised=True),
    Config("UMAP, no scaler", "reference", "umap", scale=False, parts=("knn",)),
    Config("raw, no scaler", "reference", "raw", scale=False, parts=("knn",)),
    _dm("defaults", "defaults", parts=_MAIN),
    _dm("metric=cosine", "metric", metric="cosine"),
    _dm("metric=correlation", "metric", metric="correlation"),
    Config("L2-normalised rows", "metric", pre=("l2",), parts=_LEVER),
    _dm("n_neighbors=5", "n_neighbors", n_neighbors=5),
    _dm("n_neighbors=7", "n_neighbors", parts=_MAIN, n_neighbors=7),
    _dm("n_neighbors=10", "n_neighbors", n_neighbors=10),
    _dm("n_neighbors=30", "n_neighbors", n_neighbors=30),
    _dm("n_neighbors=60", "n_neighbors", n_neighbors=60),
    _dm("t=0", "t", t=0.0),
    _dm("t=0.5", "t", t=0.5),
    _dm("t=2", "t", t=2.0),
    _dm("t=4", "t", t=4.0),
    _dm("t=30", "t", t=30.0),
    _dm("t=100", "t", t=100.0),
    _dm("alpha=0", "alpha", parts=_MAIN, alpha=0.0),
    _dm("alpha=0.5", "alpha", alpha=0.5),
    _dm("selection=first", "component_selection", component_selection="first"),
    _dm("adaptive_bandwidth=False", "adaptive_bandwidth", adaptive_bandwidth=False),
    _dm("epsilon=bgh", "epsilon", epsilon="bgh"),
    Config("PCA to 50 first", "PCA 50", pre=("pca50",), parts=_LEVER),
    Config("no scaler", "scaler (knn only)", scale=False, parts=("knn",)),
)
# Combinations of n_neighbors=10 and component_selection="first" with more
# levers, chosen from the rows above on the seed-0 splits; the "confirm" and
# "trust60k" parts test them on data they were not chosen on.
_COMBOS = {
    "k=10, first": {},
    "k=10, alpha=0, bgh, first": dict(alpha=0.0, epsilon="bgh"),
    "cosine, k=10, first": dict(metric="cosine"),
}
CONFIGS += tuple(
    _dm(name, "combination", _MAIN, n_neighbors=10, component_selection="first", **p)
    for name, p in _COMBOS.items()
)
"""Every configuration, in report order."""


def make_embedding(config, n_components, random_state=0):
    """Build the steps of ``config`` after the scaler (empty for raw pixels).

    Parameters
    ----------
    config : Config
        The configuration.
    n_components : int
        Embedding dimension.
    random_state : int, default=0
        Seed of the embedding and of PCA.

    Returns
    -------
    steps : list of estimators
    """
    steps = {
        "pca50": lambda: PCA(50, random_state=random_state),
        "l2": Normalizer,
    }
    pre = [steps[p]() for p in config.pre]
    if config.kind == "raw":
        return pre
    if config.kind == "pca":
        return pre + [PCA(n_components, random_state=random_state)]
    if config.kind == "umap":
        import umap

        est = umap.UMAP(n_components=n_components, random_state=random_state)
    else:
        from skdvae import DiffusionMap

        est = DiffusionMap(n_components=n_components, random_state=random_state)
    return pre + [est.set_params(**config.params)]


def _fit_embed(steps, X_train, X_test=None, y_train=None):
    """Fit the steps on ``X_train``; return both embeddings and the fit time."""
    if not steps:
        return X_train, X_test, 0.0
    pipe = make_pipeline(*steps)
    start = time.perf_counter()
    Z_train = pipe.fit_transform(X_train, y_train)
    elapsed = time.perf_counter() - start
    Z_test = None if X_test is None else pipe.transform(X_test)
    return Z_train, Z_test, elapsed


def cv_accuracy(config, X, y, cv_seed=0):
    """Cross-validated k-NN accuracy of the benchmark's pipeline.

    Parameters
    ----------
    config : Config
        The embedding.
    X : ndarray of shape (n_samples, n_features)
        Images.
    y : ndarray of shape (n_samples,)
        Labels.
    cv_seed : int, default=0
        Seed of the stratified folds.

    Returns
    -------
    row : dict
        ``accuracy`` (best mean over the classifiers), ``accuracy_std`` (over
        folds), ``best_k``, ``fold_scores``, ``fit_s`` (mean fit time of the
        scaler and embedding per fold) and ``warnings`` (their classes).
    """
    cv = StratifiedKFold(N_FOLDS, shuffle=True, random_state=cv_seed)
    scores, times, caught = np.zeros((len(KNN_K), N_FOLDS)), [], set()
    for fold, (tr, te) in enumerate(cv.split(X, y)):
        steps = ([StandardScaler()] if config.scale else []) + make_embedding(
            config, N_COMPONENTS
        )
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y_fit = y[tr] if config.supervised else None
            Z_tr, Z_te, elapsed = _fit_embed(steps, X[tr], X[te], y_fit)
        caught |= {type(m.message).__name__ for m in _reported(w)}
        times.append(elapsed)
        for i, k in enumerate(KNN_K):
            knn = KNeighborsClassifier(n_neighbors=k).fit(Z_tr, y[tr])
            scores[i, fold] = knn.score(Z_te, y[te])
    best = int(np.argmax(scores.mean(axis=1)))
    return {
        "accuracy": float(scores[best].mean()),
        "accuracy_std": float(scores[best].std()),
        "best_k": KNN_K[best],
        "fold_scores": scores.tolist(),
        "fit_s": float(np.mean(times)),
        "warnings": sorted(caught),
    }


def _reported(caught):
    """Warnings worth reporting: the library's own, not third-party deprecations."""
    ignored = (DeprecationWarning, FutureWarning)
    return [m for m in caught if not issubclass(m.category, ignored)]


def trust_scores(
    config, X, dims=(2, N_COMPONENTS), seeds=TRUST_SEEDS, make=make_embedding
):
    """Trustworthiness of ``config``'s embeddings of the raw pixels ``X``.

    Parameters
    ----------
    config : Config
        The embedding (its ``scale`` is ignored: section 3 fits raw pixels),
        or any object that ``make`` accepts.
    X : ndarray of shape (n_samples, n_features)
        Images.
    dims : tuple of int, default=(2, 8)
        Embedding dimensions, one fit each.
    seeds : tuple of int, default=(0, 1, 2)
        Seeds of the subsamples of :data:`TRUST_SAMPLES` points.
    make : callable, default=make_embedding
        ``make(config, dim) -> list of steps``: the estimators whose pipeline
        embeds ``X``.

    Returns
    -------
    row : dict
        Per dimension ``d``: ``trust_d`` (mean over subsamples),
        ``trust_d_std`` (with more than one subsample), ``trust_d_each``,
        ``fit_s_d`` and for DiffusionMap the eigenvalues of its coordinates,
        ``eigenvalues_d``; ``warnings`` (their classes) and
        ``warning_messages`` (each distinct message's first line).
    """
    row, caught, messages = {}, set(), set()
    for dim in dims:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            steps = make(config, dim)
            Z, _, elapsed = _fit_embed(steps, X)
        kept = _reported(w)
        caught |= {type(m.message).__name__ for m in kept}
        messages |= {str(m.message).partition("\n")[0] for m in kept}
        each = []
        for seed in seeds:
            rng = np.random.default_rng(seed)
            idx = np.sort(rng.choice(len(X), min(len(X), TRUST_SAMPLES), False))
            each.append(float(trustworthiness(X[idx], Z[idx], n_neighbors=10)))
        row[f"trust_{dim}"] = float(np.mean(each))
        if len(each) > 1:
            row[f"trust_{dim}_std"] = float(np.std(each))
        row.update({f"trust_{dim}_each": each, f"fit_s_{dim}": elapsed})
        if hasattr(steps[-1], "eigenvalues_"):
            row[f"eigenvalues_{dim}"] = steps[-1].eigenvalues_.round(5).tolist()
    row["warnings"] = sorted(caught)
    row["warning_messages"] = sorted(messages)
    return row


def _fashion_pair(n):
    """The benchmark's Fashion-MNIST subset of ``n`` and a disjoint one (seed 1)."""
    full = load_dataset("fashion_mnist")
    first = np.sort(np.random.default_rng(0).choice(len(full.X), n, replace=False))
    rest = np.setdiff1d(np.arange(len(full.X)), first)
    second = np.sort(np.random.default_rng(1).choice(rest, n, replace=False))
    return full.subset(first), full.subset(second)


def _tasks(quick):
    """The data of every part: (part, dataset label, X, y, kind, seed)."""
    n_cv, n_trust = (600, 1500) if quick else (N_CV, N_TRUST)
    digits = load_dataset("digits", n_cv if quick else None, 0)
    fashion, other = _fashion_pair(n_cv)
    tasks = [
        ("knn", "digits", digits.X, digits.labels, "cv", 0),
        ("knn", f"fashion_mnist {n_cv}", fashion.X, fashion.labels, "cv", 0),
        ("confirm", "digits, folds seed 1", digits.X, digits.labels, "cv", 1),
        ("confirm", f"fashion_mnist {n_cv} other", other.X, other.labels, "cv", 1),
    ]
    trust = load_dataset("fashion_mnist", n_trust, 0)
    tasks.append(("trust", f"fashion_mnist {n_trust}", trust.X, None, "trust", 0))
    if not quick:
        train, _ = split(load_dataset("fashion_mnist", 62_000, 0), 2000, 0)
        tasks.append(("trust60k", "fashion_mnist 60000", train.X, None, "t60", 0))
    return tasks


def run(configs, parts, quick, store, log=print, resume=False):
    """Measure ``configs`` in ``parts``, saving each row into ``store``.

    Parameters
    ----------
    configs : sequence of Config
        Configurations to measure.
    parts : set of str
        Parts of :data:`PARTS` to run.
    quick : bool
        Small data (seconds), for tests.
    store : dict
        Rows keyed by ``"config | dataset"``; updated in place.
    log : callable, default=print
        Progress output.
    resume : bool, default=False
        Skip the rows ``store`` already holds without an error.
    """
    for part, label, X, y, kind, seed in _tasks(quick):
        if part not in parts:
            continue
        for config in configs:
            if part not in config.parts:
                continue
            key = f"{config.name} | {label}"
            if resume and key in store and "error" not in store[key]:
                continue
            start = time.perf_counter()
            try:
                if kind == "cv":
                    row = cv_accuracy(config, X, y, cv_seed=seed)
                elif kind == "trust":
                    row = trust_scores(config, X)
                else:
                    row = trust_scores(config, X, dims=(2,), seeds=(0,))
            except (ValueError, RuntimeError, np.linalg.LinAlgError) as exc:
                row = {"error": f"{type(exc).__name__}: {exc}", "warnings": []}
            row.update(part=part, dataset=label, config=config.name)
            row.update(lever=config.lever, seconds=time.perf_counter() - start)
            store[key] = row
            log(f"{part} {label} {config.name}: {_summary(row)}")


def _summary(row):
    if "error" in row:
        return row["error"]
    keys = ("accuracy", "trust_2", "trust_8", "fit_s", "fit_s_2", "seconds")
    return ", ".join(f"{k}={row[k]:.4f}" for k in keys if k in row)


def _cell(row, key, fmt=".3f"):
    if row is None:
        return "-"
    if "error" in row:
        return "failed (below)"
    if key not in row:
        return "-"
    if f"{key}_std" in row and len(row.get(f"{key}_each", "ab")) > 1:
        return f"{row[key]:{fmt}} ± {row[key + '_std']:{fmt}}"
    return f"{row[key]:{fmt}}"


def _find(store, config, part):
    rows = [r for r in store.values() if r["config"] == config and r["part"] == part]
    return {r["dataset"]: r for r in rows}


def _table(store, part, columns):
    """Markdown table of ``part``: one row per configuration that ran in it."""
    datasets = sorted({r["dataset"] for r in store.values() if r["part"] == part})
    head = ["lever", "configuration"]
    lines = []
    for config in CONFIGS:
        found = _find(store, config.name, part)
        if not found:
            continue
        cells = [config.lever, config.name]
        for ds in datasets:
            cells += [_cell(found.get(ds), key, fmt) for key, _, fmt in columns]
        warned = sorted({w for r in found.values() for w in r["warnings"]})
        lines.append("| " + " | ".join(cells + [", ".join(warned) or "-"]) + " |")
    for ds in datasets:
        head += [f"{ds}: {title}" for _, title, fmt in columns]
    head.append("warnings")
    rule = "|" + "---|" * len(head)
    return "\n".join(["| " + " | ".join(head) + " |", rule, *lines])


_KNN_COLUMNS = [("accuracy", "k-NN accuracy", ".3f"), ("fit_s", "fit s", ".2f")]
_TRUST_COLUMNS = [
    ("trust_2", "trust 2-D", ".4f"),
    ("trust_8", "trust 8-D", ".4f"),
    ("fit_s_8", "fit s (8-D)", ".1f"),
]
_T60_COLUMNS = [("trust_2", "trust 2-D", ".4f"), ("fit_s_2", "fit s", ".1f")]


def render(store, meta, notes=""):
    """The markdown report of the rows in ``store``.

    Parameters
    ----------
    store : dict
        Rows from :func:`run`.
    meta : list of dict
        One dict per run: ``command``, ``commit``, ``date``, ``loadavg``.
    notes : str, default=""
        Text of the "what the numbers say" section (kept from the last report).

    Returns
    -------
    text : str
    """
    sections = [
        ("knn", "k-NN accuracy of the 8-D embedding (folds seed 0)", _KNN_COLUMNS),
        ("confirm", "The same on fresh splits (folds seed 1)", _KNN_COLUMNS),
        ("trust", "Trustworthiness on Fashion-MNIST, raw pixels", _TRUST_COLUMNS),
        ("trust60k", "Trustworthiness at 60,000 (section 3's case)", _T60_COLUMNS),
    ]
    out = ["# Image data: what DiffusionMap needs to match UMAP (issue 12)", ""]
    out += ["Runs (each merged into the tables; a later run replaces its rows):", ""]
    out += [
        f"- `{m['command']}` at commit {m['commit']}, {m['date']}, load average "
        f"{m['loadavg']} (2 cores)"
        for m in meta
    ]
    out += [
        "",
        "Method: the module docstring of `benchmarks/bench_image_quality.py`. "
        "Accuracies are mean ± standard deviation over folds, trustworthiness "
        "mean ± standard deviation over subsamples of 2,000 points (k = 10).",
    ]
    for part, title, columns in sections:
        if any(r["part"] == part for r in store.values()):
            out += ["", f"## {title}", "", _table(store, part, columns)]
    failed = [r for r in store.values() if "error" in r]
    if failed:
        out += ["", "## Failures", ""]
        out += [f"- {r['config']}, {r['dataset']}: {r['error']}" for r in failed]
    out += ["", NOTES_MARKER.strip(), "", notes.strip() or "(pending)", ""]
    return "\n".join(out)


def main(argv=None):
    """Command-line entry point (``--help`` lists the options)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS / "bench_image_quality.md")
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="rows, merged across runs "
        "(default: benchmarks/output/bench_image_quality.json, not committed)",
    )
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--configs", default="", help="names, ';'-separated")
    parser.add_argument("--quick", action="store_true", help="small data, seconds")
    parser.add_argument(
        "--resume", action="store_true", help="skip rows the JSON already holds"
    )
    parser.add_argument(
        "--render", action="store_true", help="only rewrite the report from the JSON"
    )
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    json_path = args.json or OUTPUT / "bench_image_quality.json"
    store = json.loads(json_path.read_text()) if json_path.exists() else {}
    meta = store.pop("_meta", [])
    if not args.render:
        meta.append(run_record("benchmarks.bench_image_quality", argv))
    names = {n.strip() for n in args.configs.split(";") if n.strip()}
    unknown = names - {c.name for c in CONFIGS}
    if unknown:
        parser.error(f"unknown configurations {sorted(unknown)}")
    configs = [c for c in CONFIGS if not names or c.name in names]
    parts = set(args.parts.split(","))
    if not parts <= set(PARTS):
        parser.error(f"--parts must be among {PARTS}, got {sorted(parts)}")
    notes = kept_notes(args.out)

    def save():
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps({"_meta": meta, **store}, indent=1))
        args.out.write_text(render(store, meta, notes))

    if args.render:
        args.out.write_text(render(store, meta, notes))
        return
    log = lambda s: (print(s, flush=True), save())  # noqa: E731
    run(configs, parts, args.quick, store, log=log, resume=args.resume)
    save()


if __name__ == "__main__":
    main()
