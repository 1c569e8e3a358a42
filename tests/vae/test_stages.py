"""The training stages: bandwidth units, early stopping, named seeds."""

import numpy as np
import pytest
import torch
from sklearn.utils import check_random_state

from skdvae import DiffusionVAE
from skdvae.datasets import make_loop
from skdvae.utils._torch import as_tensor, predict
from skdvae.vae import _stages
from skdvae.vae._prior import prior_cholesky

TINY = dict(hidden_layer_sizes=(16,), max_iter=2, n_neighbors=12, random_state=0)


@pytest.mark.parametrize("scale", [1e-3, 100.0])
def test_landmark_walk_start_does_not_depend_on_units(scale):
    # The diffusion map is fitted on landmarks, so the stationary distribution
    # over all training points comes from a second kernel graph: it must use
    # the diffusion map's own (adaptive, scale-free) bandwidth.
    X, _ = make_loop(1000, random_state=0)
    params = {**TINY, "diffusion_map_params": {"n_landmarks": 300}}
    ref = DiffusionVAE(**params).fit(X).stationary_distribution_
    scaled = DiffusionVAE(**params).fit(X * scale).stationary_distribution_
    np.testing.assert_allclose(scaled, ref, rtol=1e-6)
    full = DiffusionVAE(**TINY).fit(X).stationary_distribution_
    # Same kernel as the diffusion map fitted on every point, up to the
    # landmark-dependent bandwidth.
    assert abs(ref.max() / ref.min() - full.max() / full.min()) < 0.1


def test_warm_start_walk_start_does_not_depend_on_units():
    X, _ = make_loop(400, random_state=0)
    pis = []
    for scale in (1.0, 100.0):
        model = DiffusionVAE(**TINY, warm_start=True).fit(X[:300] * scale)
        pis.append(model.fit(X * scale).stationary_distribution_)
    np.testing.assert_allclose(pis[1], pis[0], rtol=1e-6)
    # Same kernel as a fresh fit on all points, but for the bandwidth, which
    # the warm start keeps from the first 300 points.
    fresh = DiffusionVAE(**TINY).fit(X).stationary_distribution_
    np.testing.assert_allclose(pis[0], fresh, rtol=0.01)


def _final_validation_loss(model, X):
    """Stage-2 validation loss of the fitted weights, rebuilt from the seeds."""
    seeds = _stages.Seeds.draw(check_random_state(model.random_state))
    fitted = {row.tobytes() for row in model.X_fit_}
    X_val = np.array([row for row in X if row.tobytes() not in fitted])
    # The networks work in the model's units (see DiffusionVAE.data_scale_).
    X_val, X_fit = model._to_model(X_val), model._to_model(model.X_fit_)
    E, E_val = model.embedding_, predict(model._encoder, X_val)
    index = model._neighbors.nearest(X_val)
    prior = prior_cholesky(E_val, index, E, model.covariance_floor_)
    valid = _stages.transition_validation(
        X_val, E_val, prior, seeds.validation_noise, model.n_detail_components
    )
    net = model.net_
    net.criterion_.set_reference(as_tensor(E), as_tensor(X_fit))
    try:
        batch = valid.__getitems__(list(range(len(valid))))
        with torch.no_grad():
            return float(net.validation_step(batch)["loss"])
    finally:
        net.criterion_.set_reference(None, None)


def test_stage_two_early_stopping_restores_best_validation_weights():
    X, _ = make_loop(300, random_state=0)
    model = DiffusionVAE(
        **{**TINY, "max_iter": 200, "n_iter_no_change": 3},
        learning_rate_init=0.03,
        early_stopping=True,
        validation_fraction=0.2,
    ).fit(X)
    losses = np.array(model.net_.history[:, "valid_loss"])
    best = int(np.argmin(losses))
    assert best < len(losses) - 1, "the best epoch must not be the last one"
    assert _final_validation_loss(model, X) == pytest.approx(losses[best], rel=1e-4)
    assert model.best_validation_score_ == pytest.approx(-losses[best])


def test_stage_one_early_stopping_restores_best_validation_weights():
    X, _ = make_loop(300, random_state=0)
    model = DiffusionVAE(
        **{**TINY, "max_iter": 80, "n_iter_no_change": 3},
        early_stopping=True,
        validation_fraction=0.2,
    ).fit(X)
    history = model.encoder_net_.history
    losses = np.array(history[:, "valid_loss"])
    assert int(np.argmin(losses)) < len(losses) - 1
    fitted = {row.tobytes() for row in model.X_fit_}
    X_val = model._to_model(np.array([r for r in X if r.tobytes() not in fitted]))
    target = model.diffusion_map_.transform(X_val)
    scale = float(model.encoder_net_.criterion_.scale)
    error = np.mean((predict(model._encoder, X_val) - target) ** 2) / scale**2
    assert error == pytest.approx(losses.min(), rel=1e-3)


def test_seeds_are_drawn_in_a_documented_order():
    seeds = _stages.Seeds.draw(np.random.RandomState(3))
    expected = np.random.RandomState(3).randint(np.iinfo(np.int32).max, size=6)
    assert list(seeds) == list(expected)
    assert seeds._fields[0] == "split" and seeds._fields[-1] == "noise"


@pytest.mark.parametrize("sizes, layers", [(16, (16,)), ((8, 4), (8, 4)), ([5], (5,))])
def test_hidden_layer_sizes_int_or_sequence(sizes, layers):
    X, _ = make_loop(80, random_state=0)
    model = DiffusionVAE(**{**TINY, "hidden_layer_sizes": sizes}).fit(X)
    body = model._covariance.body.layers
    linear = [m for m in body if isinstance(m, torch.nn.Linear)]
    assert tuple(m.out_features for m in linear[:-1]) == layers


@pytest.mark.parametrize("sizes", [(0,), (16, -1), ("a",), (2.5,)])
def test_hidden_layer_sizes_rejects_non_positive_integers(sizes):
    X, _ = make_loop(80, random_state=0)
    with pytest.raises(ValueError, match="hidden_layer_sizes must contain positive"):
        DiffusionVAE(**{**TINY, "hidden_layer_sizes": sizes}).fit(X)


def test_eigenvalues_on_both_encoder_routes():
    X, _ = make_loop(200, random_state=0)
    dm_route = DiffusionVAE(**TINY).fit(X)
    np.testing.assert_array_equal(
        dm_route.eigenvalues_, dm_route.diffusion_map_.eigenvalues_
    )
    sn_route = DiffusionVAE(**TINY, encoder="spectralnet").fit(X)
    assert sn_route.eigenvalues_.shape == (2,)
    assert np.all((sn_route.eigenvalues_ > 0) & (sn_route.eigenvalues_ < 1))
