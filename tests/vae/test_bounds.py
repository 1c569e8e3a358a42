"""Bounded decoder outputs (``DiffusionVAE(output_bounds=...)``)."""

import numpy as np
import pytest
import torch

from skdvae import DiffusionVAE
from skdvae.datasets import make_loop
from skdvae.utils._torch import predict
from skdvae.vae._bounds import resolve_output_bounds
from skdvae.vae._modules import Decoder
from skdvae.vae._scaling import from_model_units

FAST = {"hidden_layer_sizes": (16,), "max_iter": 15, "random_state": 0}


def _far_latents(vae, factor=50.0):
    """Latent points far outside the embedding, in every direction."""
    E = vae.embedding_
    centre, spread = E.mean(axis=0), E.std(axis=0)
    directions = np.random.default_rng(0).normal(size=(200, E.shape[1]))
    return centre + factor * spread * directions


def test_data_bounds_are_the_feature_ranges():
    X = np.array([[0.0, 5.0], [2.0, -1.0], [1.0, 3.0]])
    low, high = resolve_output_bounds("data", X)
    np.testing.assert_array_equal(low, [0.0, -1.0])
    np.testing.assert_array_equal(high, [2.0, 5.0])
    assert resolve_output_bounds(None, X) is None


def test_given_bounds_broadcast_per_feature():
    X = np.array([[0.0, 5.0], [2.0, 1.0]])
    low, high = resolve_output_bounds((0, 255), X)
    np.testing.assert_array_equal(low, [0.0, 0.0])
    np.testing.assert_array_equal(high, [255.0, 255.0])
    low, high = resolve_output_bounds(([-1, 0], [3, 6]), X)
    np.testing.assert_array_equal(low, [-1.0, 0.0])
    np.testing.assert_array_equal(high, [3.0, 6.0])


@pytest.mark.parametrize(
    "bounds, message",
    [
        ((1, -1), "low > high for feature 0"),
        ((0, 4), "X has values outside output_bounds: feature 1"),
        ((0, np.inf), "must be finite"),
        ((0, 1, 2), r"got an array of shape \(3,\)"),
        (([0, 0, 0], [9, 9, 9]), r"got an array of shape \(2, 3\)"),
        (("a", "b"), "must be 'data', None or a pair"),
    ],
)
def test_bad_bounds_are_refused(bounds, message):
    X = np.array([[0.0, 5.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match=message):
        resolve_output_bounds(bounds, X)


def test_bounded_decoder_stays_within_its_bounds_for_any_input():
    torch.manual_seed(0)
    low, high = np.array([-1.0, 0.0, 2.0]), np.array([1.0, 0.0, 5.0])
    bounded = Decoder(2, 3, (8,), bounded=True)
    bounded.set_output_scaling(np.zeros(3), 2.0, low, high)
    free = Decoder(2, 3, (8,))
    free.load_state_dict(bounded.state_dict(), strict=False)
    free.set_output_scaling(np.zeros(3), 2.0)
    z = torch.randn(500, 2, dtype=torch.float32) * 1e3
    with torch.no_grad():
        out, unbounded = bounded(z).numpy(), free(z).numpy()
    assert (out >= low).all() and (out <= high).all()
    np.testing.assert_array_equal(out[:, 1], 0.0)  # a constant feature
    assert ((unbounded < low) | (unbounded > high)).any()


def test_decoder_refuses_bounds_it_was_not_built_for():
    with pytest.raises(ValueError, match="bounded decoder only"):
        low, high = -np.ones(3), np.ones(3)
        Decoder(2, 3, (8,)).set_output_scaling(np.zeros(3), 1.0, low, high)
    with pytest.raises(ValueError, match="bounded decoder only"):
        Decoder(2, 3, (8,), bounded=True).set_output_scaling(np.zeros(3), 1.0)


def test_default_model_outputs_stay_within_the_data_range():
    X, _ = make_loop(300, random_state=0)
    vae = DiffusionVAE(**FAST).fit(X)
    low, high = vae.output_bounds_
    np.testing.assert_array_equal(low, X.min(axis=0))
    np.testing.assert_array_equal(high, X.max(axis=0))
    paths = vae.walk(X[:20], n_steps=30, random_state=0)[:, 1:]
    for out in (vae.inverse_transform(_far_latents(vae)), vae.sample(300), paths):
        assert (out >= low).all() and (out <= high).all()
    # The network itself keeps them there; the final clip removes only rounding.
    raw = predict(vae.net_.module_, _far_latents(vae), "generate")
    raw = from_model_units(raw, vae.data_mean_, vae.data_scale_)
    margin = 1e-6 * (high - low)
    assert (raw >= low - margin).all() and (raw <= high + margin).all()
    # Without bounds the same far latent points decode outside the range.
    free = DiffusionVAE(output_bounds=None, **FAST).fit(X)
    assert free.output_bounds_ is None
    out = free.inverse_transform(_far_latents(free))
    assert ((out < low) | (out > high)).any()


def test_given_bounds_are_used_in_the_data_units():
    X, _ = make_loop(200, random_state=0)
    vae = DiffusionVAE(output_bounds=(-150, 150), **FAST).fit(X * 100.0)
    np.testing.assert_array_equal(vae.output_bounds_[0], -150.0)
    out = vae.inverse_transform(_far_latents(vae))
    assert (np.abs(out) <= 150).all()
    assert np.abs(out).max() > 120  # reaches towards the bounds, in data units


def test_warm_start_keeps_the_first_bounds():
    X, _ = make_loop(200, random_state=0)
    vae = DiffusionVAE(warm_start=True, **FAST).fit(X)
    first = [b.copy() for b in vae.output_bounds_]
    vae.fit(X * 0.5)
    np.testing.assert_array_equal(vae.output_bounds_[0], first[0])
    np.testing.assert_array_equal(vae.output_bounds_[1], first[1])


def test_refused_bounds_leave_a_fitted_model_intact():
    X, _ = make_loop(200, random_state=0)
    vae = DiffusionVAE(**FAST).fit(X)
    before = vae.sample(5, random_state=0)
    with pytest.raises(ValueError, match="outside output_bounds"):
        vae.set_params(output_bounds=(0, 0.1)).fit(X)
    np.testing.assert_array_equal(vae.sample(5, random_state=0), before)
