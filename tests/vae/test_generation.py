"""Generation: long walks stay on the data, separate pieces, the latent size.

Quality floors with fixed seeds (issue 9); each model is fitted once.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.neighbors import NearestNeighbors

from skdvae import DiffusionVAE
from skdvae.datasets import distance_to_manifold, make_loop, make_two_circles
from skdvae.exceptions import DisconnectedGraphWarning
from skdvae.metrics import precision_recall


@pytest.fixture(scope="module")
def loop():
    X, s = make_loop(800, random_state=0)
    return X, s, DiffusionVAE(random_state=0).fit(X)


def test_long_walks_stay_on_the_loop_and_mix(loop):
    X, s, model = loop
    starts = X[::8]
    paths, acceptance = model.walk(
        starts, n_steps=100, random_state=0, return_acceptance=True
    )
    flat = paths[:, 1:].reshape(-1, 3)
    dist = distance_to_manifold("loop", flat).reshape(len(starts), 100)
    assert dist[:, -1].mean() <= 2 * dist[:, 0].mean()
    assert dist.max() < 0.1 * np.ptp(X, axis=0).max()
    # Within the data's range, up to the decoder's own error at the curve's
    # extremes (one-step samples overshoot the box by up to 5 % of it too).
    margin = 0.05 * np.ptp(X, axis=0)
    assert np.all((flat >= X.min(0) - margin) & (flat <= X.max(0) + margin))
    # The pooled walkers visit every twentieth of the curve (through the
    # parameter of their nearest training point).
    nearest = NearestNeighbors(n_neighbors=1).fit(X).kneighbors(flat)[1][:, 0]
    bins = np.floor(20 * s[nearest] / (2 * np.pi)).astype(int)
    assert np.unique(bins).size == 20
    assert 0.2 < acceptance < 0.95


def test_walk_from_far_away_starts_on_the_data(loop):
    X, _, model = loop
    with pytest.warns(UserWarning, match="walk from their nearest"):
        paths = model.walk(X[:3] + 5.0, n_steps=3, random_state=0)
    np.testing.assert_array_equal(paths[:, 0], X[:3] + 5.0)
    assert distance_to_manifold("loop", paths[:, 1:].reshape(-1, 3)).max() < 0.1


@pytest.mark.parametrize("n_components", [2, 3])
def test_two_circles_samples_stay_on_both_circles(n_components):
    X, _ = make_two_circles(1000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedGraphWarning)
        model = DiffusionVAE(n_components, random_state=0).fit(X)
    samples = model.sample(2000, random_state=1)
    off = distance_to_manifold("two_circles", samples) > 0.2
    assert off.mean() < 0.02
    assert 0.35 < np.mean(samples[:, 0] < 0) < 0.65


def test_auto_latent_dimension():
    X, _ = make_loop(600, random_state=0)
    model = DiffusionVAE("auto", hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    assert model.fit(X).n_components_ == 2
    assert model.transform(X[:4]).shape == (4, 2)
    assert model.get_feature_names_out().shape == (2,)
    spectral = DiffusionVAE(
        "auto", encoder="spectralnet", hidden_layer_sizes=(16,), max_iter=3
    )
    assert spectral.fit(X).n_components_ == 2


def test_detail_coordinates_make_samples_diverse():
    # Digits at 3 diffusion coordinates: the decoder of z alone returns
    # blurred averages (low recall); detail coordinates recover the spread,
    # without copying training images. Their temperature trades fidelity for
    # spread: at 0 the detail is the prior mean (as without detail).
    X = load_digits().data
    train, test = X[:1400], X[1400:]
    recall, novelty, models = {}, {}, {}
    nn = NearestNeighbors(n_neighbors=1).fit(train)
    base = np.median(nn.kneighbors(test)[0])
    for n_detail, temperature in ((0, 1.0), (8, 1.0), (8, 0.0), (8, 2.0)):
        if n_detail not in models:
            model = DiffusionVAE(3, n_detail_components=n_detail, random_state=0)
            models[n_detail] = model.fit(train)
        samples = models[n_detail].sample(
            len(test), random_state=0, detail_temperature=temperature
        )
        arm = (n_detail, temperature)
        recall[arm] = precision_recall(test, samples).recall
        novelty[arm] = np.median(nn.kneighbors(samples)[0]) / base
    assert recall[8, 1.0] > recall[0, 1.0] + 0.2
    assert novelty[8, 1.0] > 0.5
    assert recall[8, 0.0] < recall[8, 1.0] - 0.2
    assert novelty[8, 0.0] < novelty[8, 1.0] < novelty[8, 2.0]
    # The default temperature is 1.25 with detail coordinates, and 1 (nothing
    # to scale) without them.
    np.testing.assert_array_equal(
        models[8].sample(5, random_state=1),
        models[8].sample(5, random_state=1, detail_temperature=1.25),
    )
    np.testing.assert_array_equal(
        models[8].walk(X[:2], n_steps=2, random_state=1),
        models[8].walk(X[:2], n_steps=2, random_state=1, detail_temperature=1.25),
    )
    assert not np.array_equal(
        models[8].sample(5, random_state=1),
        models[8].sample(5, random_state=1, detail_temperature=1.0),
    )
    np.testing.assert_array_equal(
        models[0].walk(X[:2], n_steps=2, random_state=1),
        models[0].walk(X[:2], n_steps=2, random_state=1, detail_temperature=1.0),
    )
    with pytest.raises(ValueError, match="n_detail_components=0"):
        models[0].sample(5, detail_temperature=1.5)
    with pytest.raises(ValueError, match="detail_temperature"):
        models[8].walk(X[:2], n_steps=1, detail_temperature=-1.0)
