"""DiffusionVAE's data-space neighbours: the diffusion map's search, reused."""

import warnings

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from skdvae import DiffusionVAE
from skdvae.datasets import make_loop
from skdvae.diffusion_map import _checks
from skdvae.vae._neighbors import training_neighbors

FAST = dict(hidden_layer_sizes=(16,), max_iter=3, random_state=0)


@pytest.fixture(scope="module")
def loop():
    return make_loop(300, random_state=0)[0]


def _exact(X, k, queries=None):
    index = NearestNeighbors(n_neighbors=k).fit(X)
    return index.kneighbors(X if queries is None else queries, return_distance=False)


def _overlap(found, exact):
    """Mean share of each row's exact neighbours that ``found`` holds."""
    return np.mean([np.isin(a, b).mean() for a, b in zip(found, exact)])


def _fit(X, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return DiffusionVAE(**FAST, **params).fit(X)


def test_regression_route_reuses_the_diffusion_map_search(loop):
    vae = _fit(loop, n_neighbors=12)
    assert vae._neighbors is vae.diffusion_map_._search
    X = vae._to_model(vae.X_fit_)
    np.testing.assert_array_equal(vae._neighbors.indices_, _exact(X, 12))
    new = X[:20] + 0.01
    np.testing.assert_array_equal(vae._neighbors.nearest(new), _exact(X, 12, new))


@pytest.mark.parametrize(
    "params",
    [
        {"diffusion_map_params": {"metric": "manhattan"}},
        {"diffusion_map_params": {"n_landmarks": 100}},
        {"encoder": "spectralnet"},
    ],
    ids=["other metric", "landmarks", "spectralnet"],
)
def test_own_euclidean_search_where_the_map_cannot_serve(loop, params):
    vae = _fit(loop, n_neighbors=12, **params)
    own = getattr(vae, "diffusion_map_", None)
    assert vae._neighbors is not getattr(own, "_search", None)
    X = vae._to_model(vae.X_fit_)
    np.testing.assert_array_equal(vae._neighbors.indices_, _exact(X, 12))


def test_large_wide_data_get_an_approximate_search(monkeypatch):
    # DiffusionMap's neighbors="auto" rule, shrunk so that it applies here.
    monkeypatch.setattr(_checks, "EXACT_MAX_SAMPLES", 100)
    monkeypatch.setattr(_checks, "EXACT_MAX_FEATURES", 5)
    X = np.random.RandomState(0).normal(size=(400, 8))
    search = training_neighbors(X, 10, random_state=0)
    assert search.backend == "approximate"
    exact = _exact(X, 10)
    assert np.array_equal(search.indices_[:, 0], np.arange(400))
    assert _overlap(search.indices_, exact) > 0.95
    queries = X[:50] + 0.01
    found = search.nearest(queries)
    assert found.shape == (50, 10)
    overlap = np.mean(
        [np.isin(a, b).mean() for a, b in zip(found, _exact(X, 10, queries))]
    )
    assert overlap > 0.95
