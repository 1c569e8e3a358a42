"""Time and peak memory of one method, measured in a fresh child process.

Parent side (:func:`measure`): every fit runs in its own ``python -m
benchmarks.measure SPEC`` process, so the memory of one method never inflates
the next and a crash, a time-out or a runaway allocation ends that
measurement only. The parent writes the data as ``.npy`` files and a JSON
spec, enforces a wall-time limit and a memory cap by watching the child and
killing it if either is exceeded, and reads the results back.

Child side (:func:`run_spec`, :func:`main`): the child imports the method,
loads the data, runs a warm-up for numba-compiled methods, records its
resident memory as the baseline, and then runs the requested steps, timing
each one and tracking the peak resident memory above the baseline. Arrays go
back as an ``.npz`` file, numbers as JSON. This module imports only numpy,
scikit-learn and psutil at the top, so the child also runs in the separate
environment of a peer.
"""

import json
import os
import resource
import subprocess
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.peers import PEERS, make_estimator, peer_python

__all__ = ["Measurement", "PeakMemory", "main", "measure", "run_spec", "save_arrays"]

_REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Measurement:
    """Outcome of one measured run.

    Attributes
    ----------
    method : str
        Peer name.
    status : str
        ``"ok"``, ``"error"`` (the method raised), ``"timeout"``, ``"memory"``
        (exceeded the memory cap) or ``"crash"`` (the child died).
    time_s : dict
        Wall time per step (``fit`` is ``fit_transform`` on the training data,
        then ``transform``, ``inverse_transform``, ``sample``, ``walk``).
    peak_mb : dict
        Peak resident memory above the child's baseline, per step, in MiB.
    arrays : dict
        ``embedding``, ``embedding_test``, ``reconstruction_test``,
        ``samples``, ``walks``, ``long_walks`` (those that were requested
        and supported).
    error : str or None
        Why the run did not finish.
    unsupported : list of str
        Requested steps the method does not offer.
    info : dict
        Resolved fitted attributes (bandwidth, solver, epochs, ...).
    wall_s : float
        Wall time of the whole child process, imports included.
    """

    method: str
    status: str
    time_s: dict = field(default_factory=dict)
    peak_mb: dict = field(default_factory=dict)
    arrays: dict = field(default_factory=dict)
    error: str | None = None
    unsupported: list = field(default_factory=list)
    info: dict = field(default_factory=dict)
    wall_s: float = 0.0
    baseline_mb: float | None = None
    warmup_s: float | None = None

    @property
    def ok(self):
        """True if the method ran to the end."""
        return self.status == "ok"

    def summary(self):
        """JSON-ready dictionary of the numbers (arrays left out)."""
        return {
            "method": self.method,
            "status": self.status,
            "error": self.error,
            "time_s": self.time_s,
            "peak_mb": self.peak_mb,
            "baseline_mb": self.baseline_mb,
            "warmup_s": self.warmup_s,
            "unsupported": self.unsupported,
            "info": self.info,
            "process_wall_s": self.wall_s,
        }


def save_arrays(workdir, **arrays):
    """Write arrays as ``.npy`` files in ``workdir``; return their paths.

    Parameters
    ----------
    workdir : path-like
        Scratch directory.
    **arrays : ndarray or None
        Named arrays (None values are passed through).

    Returns
    -------
    paths : dict
        Name to file path (or None).
    """
    paths = {}
    tag = uuid.uuid4().hex[:8]
    for name, value in arrays.items():
        if value is None:
            paths[name] = None
            continue
        path = Path(workdir) / f"{tag}_{name}.npy"
        np.save(path, np.ascontiguousarray(value))
        paths[name] = str(path)
    return paths


def _child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(_REPO_ROOT), env.get("PYTHONPATH", "")] if p
    )
    return env


def _tree_rss(proc):
    import psutil

    try:
        parent = psutil.Process(proc.pid)
        procs = [parent, *parent.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs)
    except psutil.Error:
        return 0


def _watch(proc, timeout, memory_limit_mb):
    """Wait for ``proc``; kill it on time-out or memory cap. Return a status."""
    start = time.perf_counter()
    while proc.poll() is None:
        if time.perf_counter() - start > timeout:
            proc.kill()
            proc.wait()
            return "timeout"
        if memory_limit_mb and _tree_rss(proc) > memory_limit_mb * 1024.0**2:
            proc.kill()
            proc.wait()
            return "memory"
        time.sleep(0.1)
    return "done"


def _read_result(method, out, log, status, timeout, memory_limit_mb):
    if status == "timeout":
        return Measurement(method, "timeout", error=f"no result within {timeout:g} s")
    if status == "memory":
        return Measurement(
            method, "memory", error=f"exceeded the {memory_limit_mb:g} MiB memory cap"
        )
    if not Path(out + ".json").is_file():
        tail = Path(log).read_text(errors="replace")[-1500:]
        return Measurement(method, "crash", error=f"child process died:\n{tail}")
    record = json.loads(Path(out + ".json").read_text())
    with np.load(out + ".npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    return Measurement(
        method,
        "ok" if record["ok"] else "error",
        time_s=record["time_s"],
        peak_mb=record["peak_mb"],
        arrays=arrays,
        error=record.get("error"),
        unsupported=record["unsupported"],
        info=record.get("info", {}),
        baseline_mb=record.get("baseline_mb"),
        warmup_s=record.get("warmup_s"),
    )


def measure(
    method,
    n_components,
    data_paths,
    workdir,
    *,
    steps,
    params=None,
    random_state=0,
    sample_seed=0,
    timeout=600.0,
    memory_limit_mb=None,
    warmup=True,
    isolate=True,
):
    """Fit ``method`` in a child process and collect its outputs and costs.

    Parameters
    ----------
    method : str
        A key of :data:`benchmarks.peers.PEERS`.
    n_components : int
        Embedding dimension.
    data_paths : dict
        ``X_train`` (required), ``X_test``, ``walk_start``,
        ``long_walk_start``: ``.npy`` paths from :func:`save_arrays`.
    workdir : path-like
        Scratch directory for the spec, the outputs and the child's log.
    steps : dict
        ``transform``, ``inverse_transform`` (bool), ``sample``, ``walk``,
        ``long_walk`` (int, 0 to skip; ``long_walk`` starts from
        ``long_walk_start``). ``fit_transform`` on ``X_train`` always runs.
    params : dict or None, default=None
        Extra constructor arguments.
    random_state : int or None, default=0
        Seed of the estimator.
    sample_seed : int, default=0
        Seed of ``sample`` and ``walk``.
    timeout : float, default=600.0
        Wall-time limit of the child, in seconds.
    memory_limit_mb : float or None, default=None
        Resident-memory cap of the child, in MiB.
    warmup : bool, default=True
        Run the numba warm-up of the child before timing (numba methods).
    isolate : bool, default=True
        Run in a child process. False runs in this process, without time-out
        or memory cap and with approximate memory numbers (for quick tests);
        methods of a separate environment always run in a child.

    Returns
    -------
    result : Measurement
        The measured numbers and arrays, or why there are none.
    """
    out = str(Path(workdir) / f"run_{uuid.uuid4().hex[:10]}")
    spec = {
        "estimator": method,
        "n_components": int(n_components),
        "params": params or {},
        "random_state": random_state,
        "sample_seed": sample_seed,
        "data": data_paths,
        "steps": steps,
        "warmup": bool(warmup and PEERS[method].numba),
        "out": out,
    }
    Path(out + ".spec.json").write_text(json.dumps(spec))
    start = time.perf_counter()
    if isolate or PEERS[method].separate_env:
        status = _run_child(method, out, timeout, memory_limit_mb)
    else:
        status = _run_here(out)
    result = _read_result(method, out, out + ".log", status, timeout, memory_limit_mb)
    result.wall_s = time.perf_counter() - start
    return result


def _run_child(method, out, timeout, memory_limit_mb):
    """Run the child side in a fresh interpreter; return the watch status."""
    python = peer_python(method) or sys.executable
    with open(out + ".log", "w") as log:
        proc = subprocess.Popen(
            [python, "-m", "benchmarks.measure", out + ".spec.json"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_child_env(),
            cwd=str(_REPO_ROOT),
        )
        return _watch(proc, timeout, memory_limit_mb)


def _run_here(out):
    """Run the child side in this process (no isolation, no time or memory cap)."""
    Path(out + ".log").write_text("")
    main([out + ".spec.json"])
    return "done"


# ---------------------------------------------------------------- child side
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
    "n_landmarks_",
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
    long_start = data.get("long_walk_start")
    Z_test = arrays.get("embedding_test")
    wanted = {
        "transform": steps.get("transform") and X_test is not None,
        "inverse_transform": steps.get("inverse_transform") and X_test is not None,
        "sample": bool(steps.get("sample")),
        "walk": bool(steps.get("walk")) and start is not None,
        "long_walk": bool(steps.get("long_walk")) and long_start is not None,
    }
    inputs = {
        "transform": (X_test,),
        "inverse_transform": (Z_test,),
        "sample": (int(steps.get("sample") or 0),),
        "walk": (start, int(steps.get("walk") or 0)),
        "long_walk": (long_start, int(steps.get("long_walk") or 0)),
    }
    return {name: inputs[name] for name, want in wanted.items() if want}


_OUTPUTS = {
    "transform": "embedding_test",
    "inverse_transform": "reconstruction_test",
    "sample": "samples",
    "walk": "walks",
    "long_walk": "long_walks",
}


def _long_walk(est, start, n_steps, random_state):
    """Run the walk-stability walk; return float32 trajectories and acceptance."""
    paths, acceptance = est.walk(
        start, n_steps, random_state=random_state, return_acceptance=True
    )
    return np.asarray(paths, dtype=np.float32), float(acceptance)


def _optional_steps(spec, est, data, record, arrays):
    """Run transform, inverse_transform, sample and the walks where requested.

    ``long_walk`` is a second, longer ``walk`` from its own start points (the
    walk-stability measurement); its acceptance rate goes to ``info``.
    """
    seed = spec.get("sample_seed", 0)
    for name in _OUTPUTS:
        args = _step_inputs(spec, data, arrays).get(name)
        if args is None:
            continue
        attr = "walk" if name == "long_walk" else name
        if not hasattr(est, attr):
            record["unsupported"].append(name)
            continue
        if any(a is None for a in args):  # e.g. no held-out embedding to invert
            continue
        if name == "long_walk":
            out = _timed(record, name, _long_walk, est, *args, seed)
            arrays["long_walks"], record["info"]["walk_acceptance"] = out
            continue
        kwargs = {"random_state": seed} if name in ("sample", "walk") else {}
        method = getattr(est, name)
        arrays[_OUTPUTS[name]] = _timed(record, name, method, *args, **kwargs)


def run_spec(spec):
    """Child side: run the measurement ``spec``; return (record, arrays)."""
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
    """Child entry point: ``python -m benchmarks.measure SPEC.json``."""
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as f:
        spec = json.load(f)
    record, arrays = run_spec(spec)
    np.savez(spec["out"] + ".npz", **{k: np.asarray(v) for k, v in arrays.items()})
    with open(spec["out"] + ".json", "w") as f:
        json.dump(record, f)


if __name__ == "__main__":
    main()
