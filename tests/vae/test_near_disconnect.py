"""DiffusionVAE on nearly disconnected data: the diffusion map's cut.

Two circles joined by three bridge points form one connected kernel graph
whose leading eigenvalues are nearly repeated at 1; the regression route's
:class:`skdvae.DiffusionMap` cuts it (``split_gap``) and the prior's
neighbours stay within the pieces.
"""

import warnings

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from skdvae import DiffusionVAE
from skdvae.datasets import distance_to_manifold, make_two_circles
from skdvae.exceptions import DisconnectedGraphWarning
from skdvae.vae import _stages


def _bridged_circles(n=1000, n_bridge=3, seed=0):
    X, labels = make_two_circles(n, random_state=seed)
    bridge = np.c_[np.linspace(-2, 2, n_bridge + 2)[1:-1], np.zeros(n_bridge)]
    return np.vstack([X, bridge]), np.r_[labels, -np.ones(n_bridge, dtype=int)]


@pytest.fixture(scope="module")
def bridged():
    X, labels = _bridged_circles()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedGraphWarning)
        model = DiffusionVAE(3, n_neighbors=15, random_state=0).fit(X)
    return X, labels, model


def test_bridged_circles_are_cut_and_samples_stay_on_the_data(bridged):
    """Measured: 1.0 % of samples off the data with the cut, 27 % without
    (``diffusion_map_params={"split_gap": None}``)."""
    X, labels, model = bridged
    dm = model.diffusion_map_
    assert dm.n_connected_components_ == 1 and dm.n_pieces_ == 3
    samples = model.sample(2000, random_state=1)
    off_circles = distance_to_manifold("two_circles", samples) > 0.2
    to_bridge = NearestNeighbors(n_neighbors=1).fit(X[labels < 0])
    off_bridge = to_bridge.kneighbors(samples)[0][:, 0] > 0.2
    assert np.mean(off_circles & off_bridge) < 0.02
    assert 0.35 < np.mean(samples[:, 0] < 0) < 0.65


def test_prior_neighbours_stay_within_their_piece(bridged):
    _, _, model = bridged
    dm = model.diffusion_map_
    X_train, labels = dm.X_fit_, dm.component_labels_
    index = NearestNeighbors(n_neighbors=15).fit(X_train).kneighbors(X_train)[1]
    inside = _stages.within_pieces(index, dm, X_train)
    assert np.all(labels[inside] == labels[:, None])
    crossing = labels[index] != labels[:, None]
    assert crossing.any()  # the bridge's neighbours lie across the cut
    np.testing.assert_array_equal(inside[~crossing], index[~crossing])
    # Points the diffusion map was not fitted on are left alone.
    assert _stages.within_pieces(index, dm, X_train + 1.0) is index


def test_split_gap_passes_through_diffusion_map_params():
    X, _ = _bridged_circles(400)
    model = DiffusionVAE(
        3,
        n_neighbors=15,
        hidden_layer_sizes=(8,),
        max_iter=2,
        diffusion_map_params={"split_gap": None},
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DisconnectedGraphWarning)
        model.fit(X)
    assert model.diffusion_map_.n_pieces_ == 1
