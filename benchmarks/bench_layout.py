"""Spectral coordinates against optimised layouts on images (issue 12).

``bench_image_quality`` found no DiffusionMap setting that brings its 2-D
trustworthiness on Fashion-MNIST within 0.02 of UMAP's (0.921 to 0.945 against
0.974). This benchmark tests an explanation: the gap is the difference
between a spectral embedding (two eigenvectors of a graph operator, a global
projection) and a layout optimised for local neighbourhoods, not a defect of
this diffusion map. If that is right,

- UMAP with its layout optimisation switched off (``n_epochs=0``: the spectral
  initialisation of its own fuzzy graph, rescaled) falls to DiffusionMap's
  level;
- other spectral embeddings (scikit-learn's SpectralEmbedding, pydiffmap,
  scanpy's ``tl.diffmap``) score like DiffusionMap, and so does DiffusionMap
  with each axis rescaled to a unit range as UMAP rescales its start (in 2-D
  trustworthiness depends on the ratio of the two axes' scales, which the
  spectral rows set differently);
- optimised layouts of the diffusion geometry (PHATE: metric MDS of diffusion
  potentials; UMAP's optimisation started from DiffusionMap's 2-D coordinates;
  UMAP of DiffusionMap's 16 coordinates) reach UMAP's level.

Every row embeds the same seeded subset of Fashion-MNIST's raw pixels in 2-D
and is scored as ``bench_image_quality``'s ``trust`` part scores it
(:func:`benchmarks.bench_image_quality.trust_scores`: trustworthiness, k = 10,
against the pixels, mean and standard deviation over three seeded subsamples
of 2,000 points). Fit times are wall-clock, one process; a layout still
running after ``--time-limit`` seconds (default 900) is stopped and recorded
as failed. Run::

    OMP_NUM_THREADS=1 python -m benchmarks.bench_layout [--n 20000] [--layouts ...]

Rows are merged into ``benchmarks/results/bench_layout.json`` (keyed by layout
and size) and rendered to ``bench_layout.md`` beside it; the notes section of
the report is kept across runs.
"""

import argparse
import contextlib
import json
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from sklearn.base import BaseEstimator
from sklearn.preprocessing import MinMaxScaler

from benchmarks.bench_image_quality import trust_scores
from benchmarks.data import load_dataset
from benchmarks.peers import make_estimator, peer_status
from benchmarks.records import NOTES_MARKER, kept_notes, run_record

RESULTS = Path(__file__).resolve().parent / "results" / "bench_layout.md"
N_SAMPLES = 20_000
TIME_LIMIT_S = 900.0
DIFFUSION_DIM = 16


class DiffusionInitUMAP(BaseEstimator):
    """UMAP whose layout optimisation starts from DiffusionMap's coordinates.

    Parameters
    ----------
    n_components : int, default=2
        Dimension of both embeddings.
    random_state : int, default=0
        Seed of both.

    Attributes
    ----------
    diffusion_map_ : DiffusionMap
        The fitted diffusion map whose embedding started UMAP.
    umap_ : UnsupervisedUMAP
        The fitted UMAP.
    embedding_ : ndarray of shape (n_samples, n_components)
        UMAP's embedding of the training data.
    """

    def __init__(self, n_components=2, random_state=0):
        self.n_components = n_components
        self.random_state = random_state

    def fit_transform(self, X, y=None):
        """Fit DiffusionMap, then UMAP from its embedding.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        embedding : ndarray of shape (n_samples, n_components)
            UMAP's embedding.
        """
        self.diffusion_map_ = make_estimator(
            "DiffusionMap", self.n_components, self.random_state
        )
        start = self.diffusion_map_.fit_transform(X)
        self.umap_ = make_estimator(
            "UMAP", self.n_components, self.random_state, {"init": start}
        )
        self.embedding_ = self.umap_.fit_transform(X)
        return self.embedding_

    def fit(self, X, y=None):
        """Fit (see :meth:`fit_transform`).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        self : DiffusionInitUMAP
        """
        self.fit_transform(X)
        return self


@dataclass(frozen=True)
class Layout:
    """One 2-D embedding of the comparison.

    Parameters
    ----------
    name : str
        Row label.
    kind : str
        ``"spectral"`` (eigenvectors of a graph operator) or ``"optimised"``
        (a layout fitted to the data's neighbourhoods or distances).
    build : callable
        ``build(dim) -> list of estimators``, fitted as a pipeline.
    needs : tuple of str
        Peers (:mod:`benchmarks.peers`) that must be installed.
    """

    name: str
    kind: str
    build: object
    needs: tuple = ()


def _peer(name, **params):
    return lambda dim: [make_estimator(name, dim, 0, params)]


LAYOUTS = (
    Layout("UMAP", "optimised", _peer("UMAP"), ("UMAP",)),
    Layout(
        "UMAP, n_epochs=0 (its spectral initialisation)",
        "spectral",
        _peer("UMAP", n_epochs=0),
        ("UMAP",),
    ),
    Layout("DiffusionMap", "spectral", _peer("DiffusionMap")),
    Layout(
        "DiffusionMap, each axis rescaled to [0, 1] as UMAP rescales its start",
        "spectral",
        lambda dim: [make_estimator("DiffusionMap", dim, 0), MinMaxScaler()],
    ),
    Layout(
        "SpectralEmbedding, n_neighbors=15",
        "spectral",
        _peer("SpectralEmbedding", n_neighbors=15),
    ),
    Layout("pydiffmap", "spectral", _peer("pydiffmap"), ("pydiffmap",)),
    Layout("scanpy tl.diffmap", "spectral", _peer("scanpy"), ("scanpy",)),
    Layout("PHATE", "optimised", _peer("PHATE"), ("PHATE",)),
    Layout(
        "UMAP started from DiffusionMap",
        "optimised",
        lambda dim: [DiffusionInitUMAP(dim)],
        ("UMAP",),
    ),
    Layout(
        f"UMAP of DiffusionMap's {DIFFUSION_DIM} coordinates",
        "optimised",
        lambda dim: [
            make_estimator("DiffusionMap", DIFFUSION_DIM, 0),
            make_estimator("UMAP", dim, 0),
        ],
        ("UMAP",),
    ),
)
"""Every layout, in report order."""


class LayoutTimeout(BaseException):
    """A layout's fit and scoring ran past the time limit.

    A ``BaseException``, as ``KeyboardInterrupt`` is, so that an ``except
    Exception`` in third-party code cannot swallow it.
    """


def check_time_limit(seconds):
    """Raise ``ValueError`` unless :func:`time_limit` can enforce ``seconds``.

    It needs a positive number (or None, no limit), ``SIGALRM`` (Unix), the
    main thread, and no other wall-clock timer armed, which it would cancel.
    """
    if seconds is None:
        return
    if not seconds > 0:
        raise ValueError(f"The time limit must be positive or None, got {seconds!r}.")
    if not hasattr(signal, "SIGALRM"):
        raise ValueError("A time limit needs SIGALRM (Unix); pass None.")
    if threading.current_thread() is not threading.main_thread():
        raise ValueError("A time limit works on the main thread only; pass None.")
    if signal.getitimer(signal.ITIMER_REAL) != (0.0, 0.0):
        raise ValueError("Another wall-clock timer (ITIMER_REAL) is armed.")


@contextlib.contextmanager
def time_limit(seconds):
    """Raise :class:`LayoutTimeout` in the block after ``seconds`` of wall time.

    The alarm (``SIGALRM``) is delivered when the running code next returns to
    the Python interpreter: a long call into compiled code overruns the limit
    until it returns. ``seconds=None`` sets no limit; other values are checked
    by :func:`check_time_limit`. The previous handler is restored on exit.
    """
    check_time_limit(seconds)
    if seconds is None:
        yield
        return

    def _expire(signum, frame):
        raise LayoutTimeout(f"no result within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _expire)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous)


def run(
    layouts,
    n_samples,
    store,
    log=print,
    quick=False,
    run_index=0,
    time_limit_s=TIME_LIMIT_S,
):
    """Embed Fashion-MNIST with each layout and score it, row by row into ``store``.

    Parameters
    ----------
    layouts : sequence of Layout
        The rows to measure.
    n_samples : int
        Size of the seeded Fashion-MNIST subset.
    store : dict
        Rows keyed by ``"layout | n"``; updated in place.
    log : callable, default=print
        Called with a progress line after each row (and may save ``store``).
    quick : bool, default=False
        One subsample instead of three (for tests).
    run_index : int, default=0
        Number of this run in the report's list of runs (from 1), stored in
        each row.
    time_limit_s : float or None, default=TIME_LIMIT_S
        Wall-time limit of each layout (see :func:`time_limit`); a layout
        that exceeds it is recorded as failed with the limit as its error.

    Notes
    -----
    Any exception of a fit is recorded in its row and the next layout runs:
    the peers are third-party code whose failures (version drift included)
    belong in the report, not in a traceback that ends the run.
    """
    check_time_limit(time_limit_s)
    data = load_dataset("fashion_mnist", n_samples, 0)
    seeds = (0,) if quick else (0, 1, 2)
    for layout in layouts:
        missing = [p for p in layout.needs if not peer_status(p)[0]]
        key = f"{layout.name} | {n_samples}"
        if missing:
            row = {"error": f"not installed: {', '.join(missing)}", "warnings": []}
        else:
            try:
                with time_limit(time_limit_s):
                    row = trust_scores(
                        layout, data.X, dims=(2,), seeds=seeds, make=_make
                    )
            except (Exception, LayoutTimeout) as exc:  # noqa: BLE001 (see Notes)
                row = {"error": f"{type(exc).__name__}: {exc}", "warnings": []}
        row.update(layout=layout.name, kind=layout.kind, n=n_samples)
        row.update(subsamples=len(seeds), run=run_index)
        store[key] = row
        log(f"{key}: {row.get('trust_2', row.get('error'))}")


def _make(layout, dim):
    return layout.build(dim)


def render(store, meta, notes=""):
    """The markdown report of ``store``.

    Parameters
    ----------
    store : dict
        Rows from :func:`run`.
    meta : list of dict
        One per run: ``command``, ``commit``, ``date``, ``loadavg``; a row's
        ``run`` indexes this list.
    notes : str, default=""
        The "what the numbers say" text, kept from the last report.

    Returns
    -------
    text : str
    """
    out = ["# Spectral coordinates against optimised layouts (issue 12)", ""]
    out += ["Runs (merged; a later run replaces its rows):", ""]
    out += [
        f"{i}. `{m['command']}` at commit {m['commit']}, {m['date']}, load "
        f"average {m['loadavg']} ({m.get('cpus', '?')} CPUs)"
        for i, m in enumerate(meta, 1)
    ]
    out += [
        "",
        "Method: the module docstring of `benchmarks/bench_layout.py`. "
        "Trustworthiness (k = 10) of the 2-D embedding of Fashion-MNIST's raw "
        "pixels against the pixels, mean ± standard deviation over the subsamples "
        "of 2,000 points (column `sub`); `run` numbers the run above that "
        "measured the row.",
    ]
    for n in sorted({row["n"] for row in store.values()}):
        rows = [
            (lo, store[f"{lo.name} | {n}"])
            for lo in LAYOUTS
            if f"{lo.name} | {n}" in store
        ]
        out += ["", f"## {n:,} images", ""]
        out += [
            "| kind | layout | trust 2-D | sub | fit s | run | warnings |",
            "|---" * 7 + "|",
        ]
        out += [_line(layout, row) for layout, row in rows]
        for layout, row in rows:
            if "error" in row:
                out.append(f"\n{layout.name}: {row['error']}")
            for message in row.get("warning_messages", []):
                out.append(f"\n{layout.name}, warning: {message}")
    out += ["", NOTES_MARKER.strip(), "", notes.strip() or "(pending)", ""]
    return "\n".join(out)


def _line(layout, row):
    if "error" in row:
        cells = ["failed (below)", "-", "-"]
    else:
        trust = f"{row['trust_2']:.4f}"
        if "trust_2_std" in row:
            trust += f" ± {row['trust_2_std']:.4f}"
        cells = [trust, str(row["subsamples"]), f"{row['fit_s_2']:.1f}"]
    cells += [str(row["run"]), ", ".join(row["warnings"]) or "-"]
    return f"| {layout.kind} | {layout.name} | " + " | ".join(cells) + " |"


def main(argv=None):
    """Command-line entry point (``--help`` lists the options)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=N_SAMPLES, help="images")
    parser.add_argument("--layouts", default="", help="names, ';'-separated")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--quick", action="store_true", help="one subsample")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=TIME_LIMIT_S,
        help="seconds per layout (default: %(default)s)",
    )
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    if not args.time_limit > 0:
        parser.error(f"--time-limit must be positive, got {args.time_limit}")
    names = {n.strip() for n in args.layouts.split(";") if n.strip()}
    unknown = names - {layout.name for layout in LAYOUTS}
    if unknown:
        parser.error(f"unknown layouts {sorted(unknown)}")
    json_path = args.out.with_suffix(".json")
    store = json.loads(json_path.read_text()) if json_path.exists() else {}
    meta = store.pop("_meta", [])
    meta.append(run_record("benchmarks.bench_layout", argv))
    notes = kept_notes(args.out)

    def save(line=None):
        if line:
            print(line, flush=True)
        json_path.write_text(json.dumps({"_meta": meta, **store}, indent=1) + "\n")
        args.out.write_text(render(store, meta, notes))

    layouts = [layout for layout in LAYOUTS if not names or layout.name in names]
    run(
        layouts,
        args.n,
        store,
        save,
        args.quick,
        run_index=len(meta),
        time_limit_s=args.time_limit,
    )
    save()


if __name__ == "__main__":
    main()
