import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV

from skdvae import DiffusionVAE
from skdvae.datasets import distance_to_manifold, make_loop, make_two_circles
from skdvae.exceptions import DisconnectedGraphWarning, SmallDataWarning
from skdvae.metrics import betti_numbers
from skdvae.vae import _nets
from tests.arrays import data_arrays

TINY = dict(hidden_layer_sizes=(16,), max_iter=5, n_neighbors=12, random_state=0)


def _loop_arc_bins(s, n_bins=50):
    # Bins of equal arc length along the loop (cos s, sin 2s, sin 3s).
    grid = np.linspace(0.0, 2 * np.pi, 20001)
    speed = np.sqrt(
        np.sin(grid) ** 2 + 4 * np.cos(2 * grid) ** 2 + 9 * np.cos(3 * grid) ** 2
    )
    steps = 0.5 * (speed[1:] + speed[:-1]) * np.diff(grid)
    arc = np.concatenate([[0], np.cumsum(steps)])
    return np.minimum(
        (n_bins * np.interp(s, grid, arc) / arc[-1]).astype(int), n_bins - 1
    )


@pytest.fixture(scope="module")
def loop():
    X, s = make_loop(800, random_state=0)
    return X, s, DiffusionVAE(random_state=0).fit(X)


@pytest.fixture(scope="module")
def circles():
    X, labels = make_two_circles(800, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedGraphWarning)
        model = DiffusionVAE(n_components=5, random_state=0).fit(X)
    return X, labels, model


@pytest.fixture(scope="module")
def tiny():
    X, _ = make_loop(120, random_state=3)
    return X, DiffusionVAE(**TINY).fit(X)


# ---------------------------------------------------------- evidence tests
def test_loop_samples_stay_on_the_curve_and_cover_it(loop):
    X, s, model = loop
    diameter = np.ptp(X, axis=0).max()
    samples = model.sample(2000, random_state=1)
    dist = distance_to_manifold("loop", samples) / diameter
    assert np.median(dist) < 0.02
    assert np.quantile(dist, 0.99) < 0.08
    # Every arc-length bin of the curve receives samples (via nearest data point).
    nearest = np.argmin(((samples[:, None] - X[None]) ** 2).sum(-1), axis=1)
    hit = np.bincount(_loop_arc_bins(s)[nearest], minlength=50)
    assert np.all(hit > 0)
    assert hit.max() / hit.mean() < 4


def test_loop_samples_keep_the_single_hole(loop):
    _, _, model = loop
    samples = model.sample(1500, random_state=2)
    assert betti_numbers(samples, max_dim=1, random_state=0) == (1, 1)


def test_loop_heldout_reconstruction_is_small(loop):
    X, _, model = loop
    X_test, _ = make_loop(400, random_state=1)
    error = np.linalg.norm(
        model.inverse_transform(model.transform(X_test)) - X_test, axis=1
    )
    assert error.mean() < 0.03 * np.ptp(X, axis=0).max()


def test_two_circles_samples_do_not_bridge_and_split_evenly(circles):
    X, labels, model = circles
    samples = model.sample(2000, random_state=1)
    dist = distance_to_manifold("two_circles", samples)
    # Nothing in the gap: the circles are 4 apart and samples stay within 0.5.
    assert dist.max() < 0.5
    assert np.all(np.abs(samples[:, 0]) > 1.5)
    left = np.mean(samples[:, 0] < 0)
    assert 0.4 < left < 0.6
    assert betti_numbers(samples, max_dim=1, random_state=0) == (2, 2)


def test_step_covariance_follows_the_embedded_curve(loop):
    # One diffusion step moves along the manifold: the major axis of C_phi(x)
    # is the tangent of the embedded loop, and the minor axis is much shorter.
    _, _, model = loop
    s = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    curve = lambda u: np.column_stack([np.cos(u), np.sin(2 * u), np.sin(3 * u)])  # noqa: E731
    tangent = model.transform(curve(s + 1e-3)) - model.transform(curve(s - 1e-3))
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    values, vectors = np.linalg.eigh(model.transform_covariance(curve(s)))
    alignment = np.abs(np.einsum("ni,ni->n", vectors[:, :, -1], tangent))
    assert np.median(alignment) > 0.95
    assert np.median(values[:, -1] / values[:, 0]) > 10


def test_score_samples_flags_off_manifold_points(loop):
    X, _, model = loop
    X_test, _ = make_loop(300, random_state=4)
    noise = np.random.RandomState(0).standard_normal(X_test.shape)
    off = X_test + 0.3 * noise / np.linalg.norm(noise, axis=1, keepdims=True)
    on_scores, off_scores = model.score_samples(X_test), model.score_samples(off)
    assert np.median(off_scores) < np.quantile(on_scores, 0.05)
    assert model.score(X_test) > model.score(off)


def test_spectralnet_route_learns_diffusion_coordinates():
    X, s = make_loop(600, random_state=0)
    model = DiffusionVAE(encoder="spectralnet", random_state=0).fit(X)
    assert model.encoder_route_ == "spectralnet" and model.diffusion_map_ is None
    assert np.all((model.eigenvalues_ > 0.9) & (model.eigenvalues_ <= 1.0))
    # The two coordinates are the first Fourier pair along the loop: the angle
    # of (psi_1, psi_2) advances once, monotonically, around the curve.
    Z = model.transform(X)
    angle = np.unwrap(np.arctan2(Z[np.argsort(s), 1], Z[np.argsort(s), 0]))
    assert abs(abs(angle[-1] - angle[0]) - 2 * np.pi) < 0.5
    radius = np.linalg.norm(Z - Z.mean(0), axis=1)
    assert radius.std() / radius.mean() < 0.2


# ---------------------------------------------------------- API behaviour
def test_output_shapes_and_covariances(tiny):
    X, model = tiny
    assert model.transform(X).shape == (120, 2)
    C = model.transform_covariance(X[:7])
    assert C.shape == (7, 2, 2)
    np.testing.assert_allclose(C, np.swapaxes(C, 1, 2))
    assert np.all(np.linalg.eigvalsh(C) > 0)
    assert model.inverse_transform(model.transform(X[:4])).shape == (4, 3)
    assert model.sample(6).shape == (6, 3)
    paths = model.walk(X[:3], n_steps=4, random_state=0)
    assert paths.shape == (3, 5, 3)
    np.testing.assert_array_equal(paths[:, 0], X[:3])
    assert model.score_samples(X[:5]).shape == (5,)
    assert np.isfinite(model.score(X))
    assert list(model.get_feature_names_out()) == ["diffusionvae0", "diffusionvae1"]
    assert np.all(model.local_bilipschitz(n_neighbors=5) >= 1.0)


def test_stationary_start_distribution_matches_diffusion_map(tiny):
    _, model = tiny
    np.testing.assert_allclose(
        model.stationary_distribution_, model.diffusion_map_.stationary_distribution_
    )


def test_same_seed_same_model_and_global_rng_untouched():
    X, _ = make_loop(100, random_state=0)
    torch_state = torch.get_rng_state()
    np_state = np.random.get_state()  # noqa: NPY002
    a = DiffusionVAE(**TINY).fit(X)
    b = DiffusionVAE(**TINY).fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    np.testing.assert_array_equal(a.transform_covariance(X), b.transform_covariance(X))
    np.testing.assert_array_equal(a.sample(20), b.sample(20))
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state[1])  # noqa: NPY002
    c = DiffusionVAE(**{**TINY, "random_state": 1}).fit(X)
    assert not np.array_equal(a.sample(20), c.sample(20))


def test_sampling_is_seeded(tiny):
    _, model = tiny
    np.testing.assert_array_equal(
        model.sample(10, random_state=5), model.sample(10, random_state=5)
    )
    assert not np.array_equal(
        model.sample(10, random_state=5), model.sample(10, random_state=6)
    )
    X = model.X_fit_[:2]
    np.testing.assert_array_equal(model.walk(X, 3, 1), model.walk(X, 3, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype):
    X, _ = make_loop(100, random_state=0)
    # 20 features: exact neighbour search by brute force, no float64 KD tree.
    X = X @ np.random.default_rng(0).normal(size=(X.shape[1], 20))
    model = DiffusionVAE(**TINY).fit(X.astype(dtype))
    Xd = X.astype(dtype)
    Z = model.transform(Xd)
    assert Z.dtype == dtype and model.embedding_.dtype == dtype
    # Every copy of the training data it keeps is in the input's dtype.
    kept = data_arrays(model, model.X_fit_.shape)
    assert len(kept) >= 2 and all(a.dtype == dtype for a in kept)
    assert model.inverse_transform(Z).dtype == dtype
    assert model.transform_covariance(Xd).dtype == dtype
    assert model.sample(3).dtype == dtype
    assert model.walk(Xd[:2], 2).dtype == dtype


def test_read_only_input():
    X, _ = make_loop(100, random_state=0)
    X.setflags(write=False)
    model = DiffusionVAE(**TINY).fit(X)
    assert model.transform(X).shape == (100, 2)


def test_pickle_round_trip_gives_identical_outputs(tiny):
    X, model = tiny
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.transform(X), model.transform(X))
    np.testing.assert_array_equal(
        clone.inverse_transform(model.transform(X)),
        model.inverse_transform(model.transform(X)),
    )
    np.testing.assert_array_equal(clone.sample(7), model.sample(7))
    np.testing.assert_array_equal(clone.score_samples(X), model.score_samples(X))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_model_loads_on_cpu(monkeypatch):
    X, _ = make_loop(100, random_state=0)
    model = DiffusionVAE(**TINY, device="cuda").fit(X)
    payload = pickle.dumps(model)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clone = pickle.loads(payload)
    np.testing.assert_allclose(clone.transform(X), model.transform(X), rtol=1e-5)


def test_losses_decrease_during_training(loop):
    _, _, model = loop
    enc = model.encoder_loss_curve_
    assert enc[-1] < 0.05 * enc[0]
    # Stage-2 loss is a negative ELBO in nats (it may become negative).
    assert model.loss_curve_[-1] < model.loss_curve_[0] - 5.0
    assert model.best_loss_ == min(model.loss_curve_)
    assert model.n_iter_ == len(model.loss_curve_) <= model.max_iter


def test_non_finite_loss_raises_naming_the_epoch():
    X, _ = make_loop(100, random_state=0)
    # Absurd steps blow the weights up to overflow within the first epoch.
    for lr, stage in [(1e6, "stage 2"), (1e12, "stage 1")]:
        with pytest.raises(
            FloatingPointError, match=rf"{stage}\) became .* at epoch 1\."
        ):
            DiffusionVAE(**{**TINY, "learning_rate_init": lr}).fit(X)


def test_early_stopping_uses_a_seeded_validation_split():
    X, _ = make_loop(200, random_state=0)
    params = {**TINY, "early_stopping": True, "validation_fraction": 0.2}
    a = DiffusionVAE(**params).fit(X)
    assert len(a.X_fit_) == 160
    assert len(a.validation_scores_) == a.n_iter_
    assert a.best_validation_score_ == max(a.validation_scores_)
    assert a.best_loss_ is None
    b = DiffusionVAE(**params).fit(X)
    np.testing.assert_array_equal(a.X_fit_, b.X_fit_)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))


def test_warm_start_continues_stage_two_and_keeps_the_encoder():
    X, _ = make_loop(150, random_state=0)
    model = DiffusionVAE(**{**TINY, "n_iter_no_change": 50}, warm_start=True).fit(X)
    Z, n_iter, curve = model.transform(X), model.n_iter_, list(model.loss_curve_)
    model.fit(X)
    assert model.n_iter_ == n_iter + TINY["max_iter"]
    assert model.loss_curve_[:n_iter] == curve
    np.testing.assert_array_equal(model.transform(X), Z)
    with pytest.raises(ValueError, match="features"):
        model.fit(np.hstack([X, X]))


def test_verbose_prints_stages_and_epochs(capsys):
    X, _ = make_loop(100, random_state=0)
    DiffusionVAE(**{**TINY, "verbose": 1}).fit(X)
    out = capsys.readouterr().out
    assert "stage 1/2" in out and "stage 2/2" in out and "train_loss" in out
    DiffusionVAE(**TINY).fit(X)
    assert capsys.readouterr().out == ""


def test_grid_search_without_scorer():
    X, _ = make_loop(160, random_state=0)
    search = GridSearchCV(DiffusionVAE(**TINY), {"kl_weight": [0.5, 1.0]}, cv=2)
    search.fit(X)
    assert np.isfinite(search.best_score_)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"diffusion_map_params": {"t": 2}}, "may not set"),
        ({"device": "nonsense"}, "device"),
    ],
)
def test_invalid_settings_raise(params, match):
    X, _ = make_loop(100, random_state=0)
    with pytest.raises(ValueError, match=match):
        DiffusionVAE(**{**TINY, **params}).fit(X)


def test_small_data_uses_every_training_point_as_neighbour():
    X, _ = make_loop(40, random_state=0)
    params = {**TINY, "early_stopping": True, "validation_fraction": 0.25}
    with pytest.warns(SmallDataWarning, match="n_neighbors=500 is more than the 30"):
        model = DiffusionVAE(**{**params, "n_neighbors": 500}).fit(X)
    assert model.n_neighbors_ == 30 and model.diffusion_map_.n_neighbors_ == 30
    same = DiffusionVAE(**{**params, "n_neighbors": 30}).fit(X)
    np.testing.assert_array_equal(model.sample(5), same.sample(5))


def test_inverse_transform_checks_width(tiny):
    _, model = tiny
    with pytest.raises(ValueError, match="latent coordinates"):
        model.inverse_transform(np.zeros((2, 3)))


def test_fitted_model_keeps_no_training_reference():
    X, _ = make_loop(6000, random_state=0)
    model = DiffusionVAE(**{**TINY, "max_iter": 1}).fit(X)
    criterion = model.net_.criterion_
    assert criterion.search is None and criterion.reference_data.numel() == 0


def _interrupt_on_call(monkeypatch, net_class, n_call, counter):
    """Make the ``n_call``-th training step of ``net_class`` a Ctrl-C."""
    original = net_class.train_step

    def train_step(self, *args, **kwargs):
        counter[net_class.__name__] = counter.get(net_class.__name__, 0) + 1
        if counter[net_class.__name__] == n_call:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(net_class, "train_step", train_step)


@pytest.mark.parametrize("stage", ["EncoderNet", "TransitionNet"])
def test_interrupt_stops_fit_and_leaves_estimator_unfitted(monkeypatch, stage):
    X, _ = make_loop(100, random_state=0)
    counter = {}
    for net_class in (_nets.EncoderNet, _nets.TransitionNet):
        n_call = 3 if net_class.__name__ == stage else 10**9
        _interrupt_on_call(monkeypatch, net_class, n_call, counter)
    model = DiffusionVAE(**TINY).set_output(transform="pandas")
    with pytest.raises(KeyboardInterrupt, match="not fitted"):
        model.fit(X)
    # skorch alone would end the stage quietly and go on to the next one.
    assert counter[stage] == 3
    if stage == "EncoderNet":
        assert "TransitionNet" not in counter
    with pytest.raises(NotFittedError):
        model.transform(X)
    monkeypatch.undo()
    expected = DiffusionVAE(**TINY).fit(X).transform(X[:3])
    np.testing.assert_array_equal(model.fit(X).transform(X[:3]).to_numpy(), expected)


def test_interrupted_warm_start_is_unfitted(monkeypatch, tiny):
    X, model = tiny
    model = clone(model).set_params(warm_start=True).fit(X)
    _interrupt_on_call(monkeypatch, _nets.TransitionNet, 2, {})
    with pytest.raises(KeyboardInterrupt):
        model.fit(X)
    assert not hasattr(model, "net_") and not hasattr(model, "embedding_")


def test_convergence_warning_names_the_stage_and_points_at_the_caller():
    X, _ = make_loop(100, random_state=0)
    with pytest.warns(ConvergenceWarning) as record:
        DiffusionVAE(**{**TINY, "max_iter": 2}).fit(X)
    messages = [str(w.message) for w in record if w.category is ConvergenceWarning]
    assert any("encoder regression (stage 1)" in m for m in messages)
    assert any("(stage 2)" in m and "max_iter=2" in m for m in messages)
    assert {w.filename for w in record if w.category is ConvergenceWarning} == {
        __file__
    }


def test_stopping_rule_met_gives_no_convergence_warning():
    X, _ = make_loop(100, random_state=0)
    params = {**TINY, "max_iter": 500, "n_iter_no_change": 2, "tol": 1.0}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = DiffusionVAE(**params).fit(X)
    assert model.n_iter_ < 500 and model.encoder_n_iter_ < 500


def test_verbose_prints_every_tenth_epoch_without_colour_codes(capsys):
    X, _ = make_loop(100, random_state=0)
    DiffusionVAE(**{**TINY, "max_iter": 12, "verbose": 1}).fit(X)
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    lines = out.splitlines()
    epochs = [int(line.split()[0]) for line in lines if line[:7].strip().isdigit()]
    assert epochs == [1, 10, 1, 10]  # both stages: first and tenth epoch
    assert "[DiffusionMap] exact neighbours of" in out
