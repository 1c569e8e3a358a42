"""Time and peak memory of one method, measured in a fresh child process.

Every fit runs in its own ``python -m benchmarks.worker`` process, so the
memory of one method never inflates the next and a crash, a time-out or a
runaway allocation ends that measurement only. The child records its resident
memory after imports, data loading and (for numba-compiled methods) a warm-up
fit as the baseline; the reported peak is the maximum resident memory above
that baseline while the step runs. The parent enforces a wall-time limit and
a memory cap by watching the child and killing it if either is exceeded.
"""

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.peers import PEERS, peer_python

__all__ = ["Measurement", "measure", "save_arrays"]

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
        ``samples``, ``walks`` (those that were requested and supported).
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
        ``X_train`` (required), ``X_test``, ``walk_start``: ``.npy`` paths from
        :func:`save_arrays`.
    workdir : path-like
        Scratch directory for the spec, the outputs and the child's log.
    steps : dict
        ``transform``, ``inverse_transform`` (bool), ``sample``, ``walk``
        (int, 0 to skip). ``fit_transform`` on ``X_train`` always runs.
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
        Run the numba warm-up of the worker before timing (numba methods).
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
    """Run the worker in a fresh interpreter; return the watch status."""
    python = peer_python(method) or sys.executable
    with open(out + ".log", "w") as log:
        proc = subprocess.Popen(
            [python, "-m", "benchmarks.worker", out + ".spec.json"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_child_env(),
            cwd=str(_REPO_ROOT),
        )
        return _watch(proc, timeout, memory_limit_mb)


def _run_here(out):
    """Run the worker in this process (no isolation, no time or memory cap)."""
    from benchmarks import worker

    Path(out + ".log").write_text("")
    worker.main([out + ".spec.json"])
    return "done"
