"""Safe persistence: skdvae.save / skdvae.load, refusals, versions, pickle."""

import json
import os
import pickle
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest
import torch
from scipy import sparse
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import KNeighborsTransformer

import skdvae
from skdvae import DiffusionMap, DiffusionVAE
from skdvae.datasets import make_loop, make_two_circles
from skdvae.persistence import (
    ModelFileError,
    UnsupportedTypeError,
    VersionMismatchError,
    VersionMismatchWarning,
)

TINY_VAE = dict(hidden_layer_sizes=(8,), max_iter=3, n_neighbors=10, random_state=0)

DM_CONFIGS = {
    "default": ("loop", dict(n_neighbors=10, random_state=0)),
    "landmarks-kmeans": (
        "loop",
        dict(n_neighbors=10, n_landmarks=60, landmark_method="kmeans", random_state=0),
    ),
    "auto-disconnected": ("circles", dict(n_components="auto", n_neighbors=10)),
    "seuclidean-bgh-fixed": (
        "loop",
        dict(
            n_neighbors=10,
            metric="seuclidean",
            metric_params={"V": np.array([1.0, 2.0, 0.5])},
            epsilon="bgh",
            adaptive_bandwidth=False,
            alpha=0.5,
            random_state=0,
        ),
    ),
    "sparse-input": ("sparse", dict(n_neighbors=10, random_state=0)),
    "float32-first": (
        "float32",
        dict(n_neighbors=10, component_selection="first", random_state=0),
    ),
    "precomputed": ("distances", dict(n_neighbors=10, metric="precomputed")),
}
VAE_CONFIGS = {
    "regression-detail": ("loop", dict(n_detail_components=2)),
    "early-stopping-landmarks": (
        "loop",
        dict(
            early_stopping=True,
            n_detail_components=0,
            diffusion_map_params={"n_landmarks": 80},
        ),
    ),
    "spectralnet": ("loop", dict(encoder="spectralnet", n_detail_components=1)),
    "auto-disconnected": ("circles", dict(n_components="auto")),
    "float32": ("float32", dict(n_detail_components=0)),
}


class _Payload:
    """Pickles to a call that creates a directory: proof of code execution."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.fixture(scope="module")
def data():
    X, _ = make_loop(150, random_state=0)
    C, _ = make_two_circles(160, random_state=0)
    return {
        "loop": X,
        "circles": C,
        "sparse": sparse.csr_matrix(X),
        "float32": X.astype(np.float32),
        "distances": pairwise_distances(X),
    }


def _fit(estimator, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X)


@pytest.fixture(scope="module")
def vaes(data):
    return {
        name: _fit(DiffusionVAE(**TINY_VAE, **params), data[key])
        for name, (key, params) in VAE_CONFIGS.items()
    }


def _round_trip(estimator, tmp_path, name="model.skdvae"):
    path = tmp_path / name
    skdvae.save(estimator, path)
    return skdvae.load(path)


def _outputs(estimator, X):
    """Everything a user computes with a fitted model, on fixed inputs."""
    out = {"transform": estimator.transform(X)}
    if getattr(estimator, "metric", None) == "precomputed":
        return out
    Z = out["transform"][:20]
    out["inverse_transform"] = estimator.inverse_transform(Z)
    out["sample_seeded"] = estimator.sample(25, random_state=1)
    out["score"] = np.array(estimator.score(X))
    if estimator.random_state is not None:
        out["sample_default"] = estimator.sample(5)
    if isinstance(estimator, DiffusionVAE):
        out["transform_covariance"] = estimator.transform_covariance(X[:20])
        out["score_samples"] = estimator.score_samples(X)
        out["walk"] = estimator.walk(X[:3], n_steps=3, random_state=2)
    return out


def _assert_identical(expected, actual):
    assert expected.keys() == actual.keys()
    for key, value in expected.items():
        assert actual[key].dtype == value.dtype, key
        np.testing.assert_array_equal(actual[key], value, err_msg=key, strict=True)


def _assert_same_state(original, loaded):
    """Same fitted attributes, with equal values for the plain ones."""
    assert type(loaded) is type(original)
    assert repr(loaded.get_params()) == repr(original.get_params())
    assert vars(loaded).keys() == vars(original).keys()
    for name, value in vars(original).items():
        other = getattr(loaded, name)
        if isinstance(value, np.ndarray):
            assert other.dtype == value.dtype, name
            np.testing.assert_array_equal(other, value, err_msg=name)
        elif sparse.issparse(value):
            assert type(other) is type(value), name
            assert (other != value).nnz == 0, name
        elif value is None or isinstance(value, (bool, int, float, str, list)):
            assert other == value or (value != value and other != other), name


# ------------------------------------------------------------ round trips
@pytest.mark.parametrize("config", DM_CONFIGS, ids=str)
def test_diffusion_map_round_trip_is_bitwise(config, data, tmp_path):
    key, params = DM_CONFIGS[config]
    X = data[key]
    dm = _fit(DiffusionMap(**params), X)
    loaded = _round_trip(dm, tmp_path)
    _assert_same_state(dm, loaded)
    _assert_identical(_outputs(dm, X), _outputs(loaded, X))
    # The configurations store what they claim to.
    if config == "landmarks-kmeans":
        assert loaded.X_fit_.shape[0] == 60
    if config == "auto-disconnected":
        assert loaded.n_connected_components_ > 1
    if config == "sparse-input":
        assert sparse.issparse(loaded.X_fit_)


@pytest.mark.parametrize("config", VAE_CONFIGS, ids=str)
def test_diffusion_vae_round_trip_is_bitwise(config, data, vaes, tmp_path):
    X = data[VAE_CONFIGS[config][0]]
    vae = vaes[config]
    loaded = _round_trip(vae, tmp_path)
    _assert_same_state(vae, loaded)
    _assert_identical(_outputs(vae, X), _outputs(loaded, X))
    assert list(loaded.net_.history[:, "train_loss"]) == vae.loss_curve_
    if config == "early-stopping-landmarks":
        assert loaded.encoder_net_.train_split is not None
        assert loaded.diffusion_map_.X_fit_.shape[0] == 80
    if config == "auto-disconnected":
        assert loaded.diffusion_map_.n_connected_components_ > 1


def test_feature_names_and_output_config_survive(data, tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(data["loop"], columns=["a", "b", "c"])
    dm = DiffusionMap(n_neighbors=10, random_state=0).set_output(transform="pandas")
    loaded = _round_trip(_fit(dm, frame), tmp_path)
    np.testing.assert_array_equal(loaded.feature_names_in_, ["a", "b", "c"])
    assert loaded.feature_names_in_.dtype == object
    pd.testing.assert_frame_equal(loaded.transform(frame), dm.transform(frame))


def test_an_interrupted_save_leaves_the_existing_file(data, tmp_path, monkeypatch):
    dm = _fit(DiffusionMap(n_neighbors=10, random_state=0), data["loop"])
    skdvae.save(dm, tmp_path / "m.skdvae")
    before = (tmp_path / "m.skdvae").read_bytes()

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupt)
    with pytest.raises(KeyboardInterrupt):
        skdvae.save(dm.set_params(t=2.0), tmp_path / "m.skdvae")
    assert [p.name for p in tmp_path.iterdir()] == ["m.skdvae"]
    assert (tmp_path / "m.skdvae").read_bytes() == before


def test_set_params_after_load_acts_as_before(data, tmp_path):
    X = data["loop"]
    dm = _fit(DiffusionMap(n_neighbors=10, random_state=0), X)
    loaded = _round_trip(dm, tmp_path).set_params(t=3.0)
    np.testing.assert_array_equal(
        loaded.transform(X), dm.set_params(t=3.0).transform(X)
    )


def test_warm_start_after_load_continues_exactly(data, tmp_path):
    X = data["loop"]
    vae = _fit(DiffusionVAE(**TINY_VAE, n_detail_components=2), X)
    loaded = _round_trip(vae, tmp_path)
    X_new = X[::-1] * 1.01
    _fit(vae.set_params(warm_start=True), X_new)
    _fit(loaded.set_params(warm_start=True), X_new)
    assert loaded.loss_curve_ == vae.loss_curve_
    _assert_identical(_outputs(vae, X), _outputs(loaded, X))


def test_load_leaves_global_random_states_alone(vaes, tmp_path):
    skdvae.save(vaes["regression-detail"], tmp_path / "m.skdvae")
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state()  # noqa: NPY002 (the global state itself)
    skdvae.load(tmp_path / "m.skdvae")
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state[1])  # noqa: NPY002


_FRESH_PROCESS = """
import sys, warnings
import numpy as np
import skdvae
from tests.test_persistence import _outputs
X = np.load(sys.argv[1])
results = {}
for name in sys.argv[3:]:
    model = skdvae.load(name + ".skdvae")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = _outputs(model, X)
    results.update({f"{name}:{key}": value for key, value in outputs.items()})
np.savez(sys.argv[2], **results)
"""


def test_round_trip_in_a_fresh_process(data, vaes, tmp_path):
    X = data["loop"]
    models = {
        str(tmp_path / "dm"): _fit(DiffusionMap(n_neighbors=10, random_state=0), X),
        str(tmp_path / "vae"): vaes["regression-detail"],
    }
    expected = {}
    for name, model in models.items():
        skdvae.save(model, name + ".skdvae")
        expected.update({f"{name}:{k}": v for k, v in _outputs(model, X).items()})
    np.save(tmp_path / "X.npy", X)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS, str(tmp_path / "X.npy")]
        + [str(tmp_path / "out.npz"), *models],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    with np.load(tmp_path / "out.npz") as actual:
        _assert_identical(expected, dict(actual))


@pytest.mark.parametrize("kind", ["DiffusionMap", "DiffusionVAE"])
def test_pickle_still_round_trips(kind, data, vaes):
    X = data["loop"]
    if kind == "DiffusionMap":
        model = _fit(DiffusionMap(n_neighbors=10, random_state=0), X)
    else:
        model = vaes["regression-detail"]
    loaded = pickle.loads(pickle.dumps(model))
    _assert_identical(_outputs(model, X), _outputs(loaded, X))


def test_manifest_records_versions_parameters_and_layout(data, tmp_path):
    dm = _fit(DiffusionMap(n_neighbors=10, random_state=0), data["loop"])
    skdvae.save(dm, tmp_path / "m.skdvae")
    with zipfile.ZipFile(tmp_path / "m.skdvae") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["skdvae_version"] == skdvae.__version__
    assert manifest["format_version"] == skdvae.persistence.FORMAT_VERSION
    node = manifest["estimator"]
    assert node["class"] == "skdvae.diffusion_map._estimator.DiffusionMap"
    assert node["params"]["n_neighbors"] == 10
    assert set(node["state"]) == set(vars(dm)) - set(dm.get_params())
    assert node["state"]["eigenvectors_"]["__type__"] == "ndarray"
    assert node["state"]["transition_matrix_"]["__type__"] == "sparse"


# ------------------------------------------------------------- refusals
def test_save_refuses_a_random_state_instance(data, tmp_path):
    dm = _fit(
        DiffusionMap(n_neighbors=10, random_state=np.random.RandomState(0)),
        data["loop"],
    )
    with pytest.raises(
        UnsupportedTypeError, match=r"params\.random_state.*Pass an int"
    ):
        skdvae.save(dm, tmp_path / "m.skdvae")
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary left


def test_save_refuses_an_estimator_parameter(data, tmp_path):
    knn = KNeighborsTransformer(n_neighbors=20)
    dm = _fit(DiffusionMap(n_neighbors=10, neighbors=knn, random_state=0), data["loop"])
    with pytest.raises(UnsupportedTypeError, match=r"params\.neighbors.*estimator"):
        skdvae.save(dm, tmp_path / "m.skdvae")
    vae = DiffusionVAE(**TINY_VAE, diffusion_map_params={"neighbors": knn})
    _fit(vae, data["loop"])
    with pytest.raises(UnsupportedTypeError, match=r"diffusion_map_params\['neighbors"):
        skdvae.save(vae, tmp_path / "m.skdvae")


def test_save_refuses_an_unknown_fitted_attribute(data, tmp_path):
    dm = _fit(DiffusionMap(n_neighbors=10, random_state=0), data["loop"])
    dm._search.index_ = _Payload(str(tmp_path / "never"))
    with pytest.raises(UnsupportedTypeError, match=r"DiffusionMap\._search\.index_"):
        skdvae.save(dm, tmp_path / "m.skdvae")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow  # pynndescent compiles its numba kernels: about 40 s
def test_save_refuses_the_approximate_neighbour_index(data, tmp_path):
    dm = _fit(
        DiffusionMap(n_neighbors=10, neighbors="approximate", random_state=0),
        data["loop"],
    )
    with pytest.raises(UnsupportedTypeError, match="neighbors='exact'"):
        skdvae.save(dm, tmp_path / "m.skdvae")


@pytest.mark.parametrize("estimator", [DiffusionMap(), DiffusionVAE()], ids=repr)
def test_save_unfitted_raises_not_fitted_error(estimator, tmp_path):
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        skdvae.save(estimator, tmp_path / "m.skdvae")


def test_save_refuses_other_estimators(data, tmp_path):
    with pytest.raises(TypeError, match="DiffusionMap and DiffusionVAE.*PCA"):
        skdvae.save(PCA().fit(data["loop"]), tmp_path / "m.skdvae")


# ---------------------------------------------------- tampered model files
def _rewrite(path, manifest=None, members=None):
    """Rewrite a model file with an edited manifest or replaced members."""
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    if manifest is not None:
        edited = manifest(json.loads(contents["manifest.json"]))
        contents["manifest.json"] = json.dumps(edited).encode()
    contents.update(members or {})
    contents = {name: value for name, value in contents.items() if value is not None}
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in contents.items():
            archive.writestr(name, value)


def _edit(function):
    def edit(manifest):
        function(manifest)
        return manifest

    return edit


def _npz_bytes(tmp_path, **arrays):
    np.savez(tmp_path / "payload.npz", **arrays)
    return (tmp_path / "payload.npz").read_bytes()


def _first_net_module(manifest):
    return manifest["estimator"]["state"]["encoder_net_"]["params"]["module"]


TAMPERING = {
    "estimator class": (
        _edit(lambda m: m["estimator"].update({"class": "subprocess.Popen"})),
        "subprocess.Popen",
    ),
    "helper class": (
        _edit(
            lambda m: m["estimator"]["state"]["_search"].update({"class": "os.system"})
        ),
        "os.system",
    ),
    "unknown entry type": (
        _edit(
            lambda m: m["estimator"]["state"].update({"X_fit_": {"__type__": "pickle"}})
        ),
        "unknown entry type 'pickle'",
    ),
    "attribute shadowing a method": (
        _edit(lambda m: m["estimator"]["state"].update({"transform": 1})),
        "'transform' is not allowed",
    ),
    "invalid parameter": (
        _edit(lambda m: m["estimator"]["params"].update({"n_neighbors": -3})),
        "parameters of DiffusionMap are invalid",
    ),
    "unexpected parameter": (
        _edit(lambda m: m["estimator"]["params"].update({"command": "rm"})),
        "parameters of DiffusionMap are invalid",
    ),
    "missing array": (
        _edit(lambda m: m["estimator"]["state"]["X_fit_"].update({"ref": "a999"})),
        "no array 'a999'",
    ),
    "dropped header": (_edit(lambda m: m.pop("format")), "not an skdvae model file"),
}


@pytest.mark.parametrize("tampering", TAMPERING, ids=str)
def test_load_refuses_a_tampered_manifest(tampering, data, tmp_path):
    edit, message = TAMPERING[tampering]
    dm = _fit(DiffusionMap(n_neighbors=10, random_state=0), data["loop"])
    skdvae.save(dm, tmp_path / "m.skdvae")
    _rewrite(tmp_path / "m.skdvae", manifest=edit)
    with pytest.raises(ModelFileError, match=message):
        skdvae.load(tmp_path / "m.skdvae")


def test_load_refuses_a_function_not_allowed(vaes, tmp_path):
    skdvae.save(vaes["regression-detail"], tmp_path / "m.skdvae")
    edit = _edit(lambda m: _first_net_module(m).update({"name": "builtins.eval"}))
    _rewrite(tmp_path / "m.skdvae", manifest=edit)
    with pytest.raises(ModelFileError, match="'builtins.eval', which is not one of"):
        skdvae.load(tmp_path / "m.skdvae")


def test_load_never_unpickles(data, tmp_path):
    marker = tmp_path / "executed"
    dm = _fit(DiffusionMap(n_neighbors=10, random_state=0), data["loop"])
    skdvae.save(dm, tmp_path / "m.skdvae")
    payload = np.array([_Payload(str(marker))], dtype=object)
    arrays = _npz_bytes(tmp_path, a0=payload)
    _rewrite(tmp_path / "m.skdvae", members={"arrays.npz": arrays})
    with pytest.raises(ModelFileError, match="Object arrays cannot be loaded"):
        skdvae.load(tmp_path / "m.skdvae")
    torch_pickle = tmp_path / "t.pt"
    torch.save({"t0": _Payload(str(marker))}, torch_pickle)
    skdvae.save(dm, tmp_path / "m.skdvae")
    _rewrite(
        tmp_path / "m.skdvae",
        members={"tensors.safetensors": torch_pickle.read_bytes()},
    )
    with pytest.raises(ModelFileError, match="tensors .* are malformed"):
        skdvae.load(tmp_path / "m.skdvae")
    assert not marker.exists()


def test_load_refuses_unreferenced_arrays(data, tmp_path):
    dm = _fit(DiffusionMap(n_neighbors=10, random_state=0), data["loop"])
    skdvae.save(dm, tmp_path / "m.skdvae")
    with zipfile.ZipFile(tmp_path / "m.skdvae") as archive:
        with archive.open("arrays.npz") as member, np.load(member) as npz:
            arrays = {name: npz[name] for name in npz.files}
    arrays["extra"] = np.zeros(3)
    _rewrite(
        tmp_path / "m.skdvae", members={"arrays.npz": _npz_bytes(tmp_path, **arrays)}
    )
    with pytest.raises(ModelFileError, match="does not reference"):
        skdvae.load(tmp_path / "m.skdvae")


@pytest.mark.parametrize(
    "content, message",
    [(b"not a zip", "not a zip archive"), (None, "expected the members")],
)
def test_load_refuses_files_of_another_kind(content, message, data, tmp_path):
    path = tmp_path / "m.skdvae"
    if content is None:  # a zip archive without the model's members
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("data.pkl", b"")
    else:
        path.write_bytes(content)
    with pytest.raises(ModelFileError, match=message):
        skdvae.load(path)


def test_load_refuses_a_manifest_that_is_not_json(data, tmp_path):
    dm = _fit(DiffusionMap(n_neighbors=10, random_state=0), data["loop"])
    skdvae.save(dm, tmp_path / "m.skdvae")
    _rewrite(tmp_path / "m.skdvae", members={"manifest.json": b"{'format': 1"})
    with pytest.raises(ModelFileError, match="not valid JSON"):
        skdvae.load(tmp_path / "m.skdvae")


# -------------------------------------------------------------- versions
def test_version_mismatch_fails_unless_allowed(data, tmp_path):
    X = data["loop"]
    dm = _fit(DiffusionMap(n_neighbors=10, random_state=0), X)
    skdvae.save(dm, tmp_path / "m.skdvae")
    _rewrite(tmp_path / "m.skdvae", _edit(lambda m: m.update(skdvae_version="0.0.1")))
    expected = rf"skdvae '0\.0\.1'; this is skdvae {skdvae.__version__}"
    with pytest.raises(VersionMismatchError, match=expected):
        skdvae.load(tmp_path / "m.skdvae")
    with pytest.warns(VersionMismatchWarning, match=expected):
        loaded = skdvae.load(tmp_path / "m.skdvae", allow_version_mismatch=True)
    _assert_identical(_outputs(dm, X), _outputs(loaded, X))


def test_other_format_version_fails_even_when_allowed(data, tmp_path):
    dm = _fit(DiffusionMap(n_neighbors=10, random_state=0), data["loop"])
    skdvae.save(dm, tmp_path / "m.skdvae")
    _rewrite(tmp_path / "m.skdvae", _edit(lambda m: m.update(format_version=2)))
    with pytest.raises(ModelFileError, match="format 2 .*reads format 1 only"):
        skdvae.load(tmp_path / "m.skdvae", allow_version_mismatch=True)
