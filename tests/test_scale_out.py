"""Scale-out on existing engines, as docs/scaling.md describes it.

The page's python blocks run first, in order, as one script (the module
fixture ``page``); the tests then check what the page says: grid searches under
joblib's dask backend match the default backend, blockwise ``transform`` and
``inverse_transform`` on dask arrays match the in-memory calls bit for bit,
blockwise sampling is reproducible from one seed, and
``DiffusionVAE(accelerate=True)`` trains the same model as a plain fit in one
process and one model in two processes.

Everything skips, with the reason, when the ``scale`` extra is not installed.
"""

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from skdvae import DiffusionMap, DiffusionVAE
from skdvae.datasets import make_loop

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "scaling.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _requires(*modules):
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    return pytest.mark.skipif(
        bool(missing),
        reason=f"needs {', '.join(missing)}: pip install 'skdvae[scale]'",
    )


@pytest.fixture(scope="module", autouse=True)
def _one_blas_thread():
    # Small data: on a busy machine more BLAS threads than cores only slow the
    # fits down (a serial grid search took 30 times longer).
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def page():
    """The namespace left by running the page's python blocks in order."""
    for name in ("dask", "distributed", "accelerate"):
        pytest.importorskip(name, reason=f"needs {name}: pip install 'skdvae[scale]'")
    namespace = {"__name__": "scaling_page"}
    blocks = BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    for code in blocks:
        exec(compile(code, str(PAGE), "exec"), namespace)
    yield namespace
    # The page's accelerate=True fit set up accelerate's process state.
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state(reset_partial_state=True)


@pytest.fixture(scope="module")
def client(page):
    """A small in-process cluster (created after the page closed its own)."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def models(page):
    landmarks = DiffusionMap(n_landmarks=100, random_state=0).fit(page["X"])
    return {
        "DiffusionMap": page["dm"],
        "DiffusionMap-landmarks": landmarks,
        "DiffusionVAE": page["vae"],
    }


# ----------------------------------------------------------- model selection
def test_seeded_initialisation_in_threads_matches_serial():
    # Threaded workers (joblib's threading backend, dask's threads) fit models
    # concurrently; their seeded weight initialisations share torch's global
    # generator, which other threads also seed and restore (as loading a model
    # does). Without the lock in private_torch_rng about one in seven of
    # these initialisations came out different.
    from concurrent.futures import ThreadPoolExecutor

    import torch

    from skdvae.utils._torch import private_torch_rng

    def init(seed):
        with private_torch_rng(seed):
            layers = [torch.nn.Linear(256, 256) for _ in range(4)]
        return torch.cat([layer.weight.detach().ravel() for layer in layers])

    def churn(_):
        with private_torch_rng():
            torch.rand(100_000)

    seeds = range(40)
    serial = [init(seed) for seed in seeds]
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(f, seed) for seed in seeds for f in (init, churn)]
        concurrent = [future.result() for future in futures[::2]]
    assert all(torch.equal(a, b) for a, b in zip(serial, concurrent))


@pytest.mark.parametrize("name", ["DiffusionMap", "DiffusionVAE"])
def test_grid_search_on_dask_matches_default_backend(page, name):
    on_dask = page["searches"][name]
    default = clone(on_dask).set_params(n_jobs=None).fit(page["X"])
    assert on_dask.best_params_ == default.best_params_
    for key in ["mean_test_score", *(f"split{i}_test_score" for i in range(3))]:
        if key in default.cv_results_:
            assert_array_equal(on_dask.cv_results_[key], default.cv_results_[key])
    assert len(set(default.cv_results_["mean_test_score"])) > 1  # a real choice


def test_grid_search_runs_on_the_cluster(page, client):
    import distributed
    import joblib
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(
        DiffusionMap(random_state=0), {"n_neighbors": [10, 20]}, cv=2, n_jobs=-1
    )
    with (
        distributed.get_task_stream(client) as stream,
        joblib.parallel_config(backend="dask"),
    ):
        search.fit(page["X"])
    assert stream.data, "no task ran on the dask cluster"


# -------------------------------------------------------- blockwise inference
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "name", ["DiffusionMap", "DiffusionMap-landmarks", "DiffusionVAE"]
)
def test_blockwise_inference_is_identical_to_in_memory(page, models, name, dtype):
    import dask.array as da

    model, blockwise = models[name], page["blockwise"]
    X_new = page["X_new"].astype(dtype)
    X_big = da.from_array(X_new, chunks=(170, -1))  # uneven blocks
    Z_big = blockwise(model.transform, X_big, model.n_components_)
    X_back = blockwise(model.inverse_transform, Z_big, model.n_features_in_)
    assert Z_big.shape == (len(X_new), model.n_components_)
    assert X_back.shape == X_new.shape
    Z = model.transform(X_new)
    assert_array_equal(Z_big.compute(), Z)
    assert_array_equal(X_back.compute(), model.inverse_transform(Z))
    assert Z_big.compute().dtype == dtype


@_requires("dask_ml")
@pytest.mark.parametrize("name", ["DiffusionMap", "DiffusionVAE"])
def test_parallel_post_fit_transform(page, models, name):
    import dask.array as da
    from dask_ml.wrappers import ParallelPostFit

    model, X_new = models[name], page["X_new"]
    X_big = da.from_array(X_new, chunks=(250, -1))
    lazy = ParallelPostFit(model).transform(X_big)
    assert_array_equal(lazy.compute(), model.transform(X_new))
    # The limitation docs/scaling.md states: the lazy result keeps the input's
    # column chunks. If this fails, dask-ml fixed it: update the page.
    assert model.n_components_ != X_new.shape[1]
    assert lazy.shape == X_big.shape


# ---------------------------------------------------------- blockwise sampling
@pytest.mark.parametrize("name", ["DiffusionMap", "DiffusionVAE"])
def test_block_sampling_is_reproducible(page, models, client, name):
    model, sample_in_blocks = models[name], page["sample_in_blocks"]
    sizes, seed = [150, 150, 100], 7
    lazy = sample_in_blocks(model, sizes, seed)
    assert lazy.shape == (sum(sizes), model.n_features_in_)
    first = lazy.compute()
    assert_array_equal(lazy.compute(), first)  # computed twice
    assert_array_equal(lazy.compute(scheduler="synchronous"), first)
    assert_array_equal(client.compute(lazy).result(), first)  # on the cluster
    assert_array_equal(sample_in_blocks(model, sizes, seed).compute(), first)
    # Block i is model.sample with the i-th spawned stream, in memory.
    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    expected = [
        model.sample(n, random_state=np.random.RandomState(np.random.MT19937(s)))
        for n, s in zip(sizes, streams)
    ]
    assert_array_equal(first, np.concatenate(expected))
    # Independent streams: equal-sized blocks differ; another seed differs.
    assert not np.array_equal(first[:150], first[150:300])
    assert not np.array_equal(sample_in_blocks(model, sizes, seed + 1).compute(), first)


# ------------------------------------------------- skorch's Accelerate mixin
@pytest.fixture
def accelerate_state():
    pytest.importorskip(
        "accelerate", reason="needs accelerate: pip install 'skdvae[scale]'"
    )
    from accelerate.state import AcceleratorState

    yield
    AcceleratorState._reset_state(reset_partial_state=True)


ACCELERATE_PARAMS = dict(hidden_layer_sizes=(16,), max_iter=5, random_state=0)


def test_accelerate_trains_the_same_model_in_one_process(accelerate_state, tmp_path):
    import pickle

    from skdvae.persistence import load, save

    X, _ = make_loop(300, random_state=0)
    accelerated = DiffusionVAE(accelerate=True, **ACCELERATE_PARAMS).fit(X)
    plain = DiffusionVAE(**ACCELERATE_PARAMS).fit(X)
    assert accelerated.encoder_loss_curve_ == plain.encoder_loss_curve_
    assert accelerated.loss_curve_ == plain.loss_curve_
    assert_array_equal(accelerated.transform(X), plain.transform(X))
    assert_array_equal(accelerated.sample(50), plain.sample(50))
    # Afterwards the nets are the plain nets, so the model pickles and saves.
    for name in ("encoder_net_", "net_"):
        net, reference = getattr(accelerated, name), getattr(plain, name)
        assert type(net) is type(reference)
        assert net.get_params().keys() == reference.get_params().keys()
    restored = pickle.loads(pickle.dumps(accelerated))
    assert_array_equal(restored.sample(20), plain.sample(20))
    save(accelerated, tmp_path / "model.skdvae")
    assert_array_equal(load(tmp_path / "model.skdvae").sample(20), plain.sample(20))


def test_accelerate_refuses_warm_start_and_device_index(accelerate_state):
    X, _ = make_loop(100, random_state=0)
    model = DiffusionVAE(**ACCELERATE_PARAMS).fit(X)
    before = model.transform(X)
    bad = [
        ({"warm_start": True}, "warm_start=True is not supported"),
        ({"device": "cpu:0"}, "accelerate gives each process its own"),
    ]
    for params, message in bad:
        with pytest.raises(ValueError, match=message):
            model.set_params(accelerate=True, **params).fit(3 * X + 10)
        model.set_params(accelerate=False, warm_start=False, device="cpu")
        # Refused before anything changed: the fitted model is intact.
        assert_array_equal(model.transform(X), before)


def test_accelerate_prints_nothing_unless_verbose(accelerate_state, capsys):
    X, _ = make_loop(100, random_state=0)
    DiffusionVAE(accelerate=True, **ACCELERATE_PARAMS).fit(X)
    assert capsys.readouterr().out == ""
    DiffusionVAE(accelerate=True, verbose=2, **ACCELERATE_PARAMS).fit(X)
    assert "train_loss" in capsys.readouterr().out


def test_differing_stage_one_results_stop_a_data_parallel_fit():
    import torch

    from skdvae.vae._accelerate import check_same_on_every_process

    class TwoProcesses:
        """Stands in for an Accelerator whose other process got ``other_y``."""

        num_processes, device = 2, "cpu"

        def __init__(self, other_y, same_indices=True):
            self.other_y, self.same_indices = other_y, same_indices

        def gather(self, local):
            if local.dtype == torch.int64:  # the digest of the neighbour indices
                return torch.cat([local, local + (0 if self.same_indices else 1)])
            return torch.cat([local, torch.as_tensor(self.other_y)[None]])

    Y = np.linspace(-2.0, 3.0, 12).reshape(6, 2)
    index = np.arange(18).reshape(6, 3)
    check_same_on_every_process(None, Y, index)
    # Rounding-level differences (the iterative eigensolvers) are agreement.
    check_same_on_every_process(TwoProcesses(Y + 1e-9), Y, index)
    for other in [TwoProcesses(-Y), TwoProcesses(Y, same_indices=False)]:
        with pytest.raises(RuntimeError, match="computed different diffusion maps"):
            check_same_on_every_process(other, Y, index)


DATA_PARALLEL_SCRIPT = """
import hashlib, json, os, sys, warnings
from accelerate import PartialState
from skdvae import DiffusionVAE
from skdvae.datasets import make_loop

X, _ = make_loop(400, random_state=0)
warnings.simplefilter("ignore")
model = DiffusionVAE(
    hidden_layer_sizes=(16,), max_iter=40, early_stopping=True,
    n_iter_no_change=3, tol=1.0, random_state=0, accelerate=True,
).fit(X)
weights = b"".join(
    p.detach().numpy().tobytes()
    for net in (model.encoder_net_, model.net_)
    for p in net.module_.parameters()
)
rank = int(os.environ["RANK"])
with open(os.path.join(sys.argv[1], f"rank{rank}.json"), "w") as file:
    json.dump({
    "processes": PartialState().num_processes,  # the state the fit set up
    "encoder_epochs": model.encoder_n_iter_,
    "epochs": len(model.loss_curve_),
    "loss": model.loss_curve_,
    "weights": hashlib.sha256(weights).hexdigest(),
    "sample": model.sample(5, random_state=0).round(8).tolist(),
}, file)
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@_requires("accelerate")  # two processes import torch and train: about 15 s
def test_data_parallel_training_in_two_processes_agrees(tmp_path):
    script = tmp_path / "data_parallel.py"
    script.write_text(DATA_PARALLEL_SCRIPT, encoding="utf-8")
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2"]
    command += ["--master_addr=127.0.0.1", f"--master_port={_free_port()}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [*command, str(script), str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    rows = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert all(row["processes"] == 2 for row in rows), output
    first, second = rows
    # Gradients averaged: the same weights; losses averaged (each process's
    # own would differ, from its own shard): the same curves and stop.
    for key in ("encoder_epochs", "epochs", "loss", "weights", "sample"):
        assert first[key] == second[key], key
    assert first["epochs"] < 40  # the stopping rule ended stage 2
