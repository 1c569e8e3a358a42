"""Child-process side of a measurement: ``python -m benchmarks.worker SPEC``.

The parent (:mod:`benchmarks.measure`) writes the data as ``.npy`` files and a
JSON spec. This process imports the method, loads the data, runs a warm-up
for numba-compiled methods, records its resident memory as the baseline, and
then runs the requested steps, timing each one and tracking the peak resident
memory above the baseline. Arrays go back as an ``.npz`` file, numbers as
JSON. It imports only numpy, scikit-learn and psutil at the top, so it also
runs in the separate environment of a peer.
"""

import json
import resource
import sys
import threading
import time
import traceback

import numpy as np

from benchmarks.peers import PEERS, make_estimator

_MB = 1024.0**2


def _rss():
    try:
        import psutil

        return psutil.Process().memory_info().rss
    except ImportError:  # resource-only fallback (Linux: ru_maxrss in KB)
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _maxrss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class PeakMemory:
    """Track the peak resident memory of this process during a block.

    A thread samples the resident set size every ``interval`` seconds; the
    kernel's high-water mark (``ru_maxrss``) catches spikes shorter than the
    interval whenever they exceed every earlier peak of the process.
    """

    def __init__(self, interval=0.005):
        self.interval = interval
        self.peak = 0

    def _poll(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            self._stop.wait(self.interval)

    def __enter__(self):
        self._hwm = _maxrss()
        self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())
        if _maxrss() > self._hwm:
            self.peak = max(self.peak, _maxrss())
        return False


def _warmup(spec, X):
    """Compile the numba code of a method before the clock starts.

    numba compiles pynndescent and UMAP on their first call in every process
    (tens of seconds, once per session). A fit on 300 points of the data (and
    the requested transform and inverse on 20 of them), plus an NN-descent
    index on 2000 points when the real fit is large enough to use one, keep
    that one-off cost out of the timings; it is reported apart.
    """
    rng = np.random.default_rng(0)
    params = spec.get("params") or {}
    uses_ann = PEERS[spec["estimator"]].uses_ann
    if uses_ann is not None and uses_ann(X.shape[0], X.shape[1], params):
        from pynndescent import NNDescent

        part = X[rng.choice(len(X), size=2000, replace=False)].astype(np.float32)
        NNDescent(part, n_neighbors=15, random_state=0).query(part[:10], k=5)
    small = X[rng.choice(len(X), size=min(len(X), 300), replace=False)]
    params = {k: v for k, v in params.items() if k != "n_landmarks"}
    est = make_estimator(spec["estimator"], spec["n_components"], 0, params)
    est.fit_transform(small)
    steps = spec["steps"]
    if steps.get("transform") and hasattr(est, "transform"):
        Z = est.transform(small[:20])
        if steps.get("inverse_transform") and hasattr(est, "inverse_transform"):
            est.inverse_transform(Z)


def _timed(record, name, func, *args, **kwargs):
    """Run ``func`` and record its wall time and peak memory under ``name``."""
    with PeakMemory() as mem:
        start = time.perf_counter()
        out = func(*args, **kwargs)
        record["time_s"][name] = time.perf_counter() - start
    record["peak_mb"][name] = (mem.peak - record["baseline_bytes"]) / _MB
    return out


_INFO_ATTRS = (
    "epsilon_",
    "n_neighbors_",
    "neighbors_",
    "eigen_solver_",
    "intrinsic_dim_",
    "n_connected_components_",
    "components_",
    "n_iter_",
)


def _info(est):
    info = {}
    for name in _INFO_ATTRS:
        value = getattr(est, name, None)
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if isinstance(value, (np.integer, np.floating)):
            value = value.item()
        if value is not None and isinstance(value, (int, float, str, list)):
            info[name] = value
    return info


def _step_inputs(spec, data, arrays):
    """Positional arguments of each requested optional step (None: skip it)."""
    steps = spec["steps"]
    X_test, start = data.get("X_test"), data.get("walk_start")
    Z_test = arrays.get("embedding_test")
    wanted = {
        "transform": steps.get("transform") and X_test is not None,
        "inverse_transform": steps.get("inverse_transform") and X_test is not None,
        "sample": bool(steps.get("sample")),
        "walk": bool(steps.get("walk")) and start is not None,
    }
    inputs = {
        "transform": (X_test,),
        "inverse_transform": (Z_test,),
        "sample": (int(steps.get("sample") or 0),),
        "walk": (start, int(steps.get("walk") or 0)),
    }
    return {name: inputs[name] for name, want in wanted.items() if want}


_OUTPUTS = {
    "transform": "embedding_test",
    "inverse_transform": "reconstruction_test",
    "sample": "samples",
    "walk": "walks",
}


def _optional_steps(spec, est, data, record, arrays):
    """Run transform, inverse_transform, sample and walk where requested."""
    seed = spec.get("sample_seed", 0)
    for name in _OUTPUTS:
        args = _step_inputs(spec, data, arrays).get(name)
        if args is None:
            continue
        if not hasattr(est, name):
            record["unsupported"].append(name)
            continue
        if any(a is None for a in args):  # e.g. no held-out embedding to invert
            continue
        kwargs = {"random_state": seed} if name in ("sample", "walk") else {}
        method = getattr(est, name)
        arrays[_OUTPUTS[name]] = _timed(record, name, method, *args, **kwargs)


def run(spec):
    """Run the measurement described by ``spec``; return (record, arrays)."""
    record = {"ok": False, "time_s": {}, "peak_mb": {}, "unsupported": []}
    arrays = {}
    data = {k: np.load(v) for k, v in spec["data"].items() if v is not None}
    X = data["X_train"]
    if spec.get("warmup"):
        start = time.perf_counter()
        _warmup(spec, X)
        record["warmup_s"] = time.perf_counter() - start
    est = make_estimator(
        spec["estimator"],
        spec["n_components"],
        spec.get("random_state"),
        spec.get("params"),
    )
    record["baseline_bytes"] = _rss()
    record["baseline_mb"] = record["baseline_bytes"] / _MB
    try:
        arrays["embedding"] = np.asarray(_timed(record, "fit", est.fit_transform, X))
        record["info"] = _info(est)
        _optional_steps(spec, est, data, record, arrays)
        record["ok"] = True
    except Exception as exc:  # reported, never hidden: the parent prints it
        record["error"] = f"{type(exc).__name__}: {exc}"
        record["traceback"] = traceback.format_exc()
    return record, arrays


def main(argv=None):
    """Entry point: ``python -m benchmarks.worker SPEC.json``."""
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as f:
        spec = json.load(f)
    record, arrays = run(spec)
    np.savez(spec["out"] + ".npz", **{k: np.asarray(v) for k, v in arrays.items()})
    with open(spec["out"] + ".json", "w") as f:
        json.dump(record, f)


if __name__ == "__main__":
    main()
