"""DiffusionMap on kernel graphs with several connected components."""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.metrics import adjusted_rand_score
from sklearn.utils import check_random_state

from skdvae import DiffusionMap
from skdvae.datasets import (
    GRID_STD,
    distance_to_manifold,
    gaussian_grid_centers,
    make_gaussian_grid,
    make_loop,
    make_sphere,
    make_swiss_roll,
    make_torus,
    make_two_circles,
)
from skdvae.diffusion_map import _estimator, _pieces, _spectra
from skdvae.diffusion_map import _graph as graph
from skdvae.diffusion_map._eigensolvers import top_eigenpairs
from skdvae.diffusion_map._neighbors import NeighborSearch
from skdvae.diffusion_map._pieces import SPLIT_GAP
from skdvae.diffusion_map._selection import choose_coordinates
from skdvae.exceptions import DisconnectedGraphWarning
from skdvae.metrics import mode_coverage


def _fit(X, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedGraphWarning)
        return DiffusionMap(random_state=0, **params).fit(X)


def _circle_shares(S):
    """Fraction of samples off both circles, and on the left and right one."""
    on = distance_to_manifold("two_circles", S) <= 0.2
    return np.mean(~on), np.mean(on & (S[:, 0] < 0)), np.mean(on & (S[:, 0] > 0))


def _radius_spread(Z):
    r = np.linalg.norm(Z - Z.mean(axis=0), axis=1)
    return r.std() / r.mean()


@pytest.fixture(scope="module")
def two_circles():
    return make_two_circles(2000, random_state=0)


@pytest.fixture(scope="module", params=[2, 3])
def circles_model(request, two_circles):
    return _fit(two_circles[0], n_components=request.param)


@pytest.fixture(scope="module")
def grid():
    return make_gaussian_grid(2000, random_state=0)


# ------------------------------------------------------------ quality floors
def test_two_circles_samples_stay_on_both_circles(circles_model):
    """Measured: 0.0 % off, 51.2 % / 48.8 % at 2 and 3 coordinates (HEAD:
    27 % and 54 % off), so each circle keeps two coordinates of its own."""
    off, left, right = _circle_shares(circles_model.sample(2000, random_state=0))
    assert off < 0.02
    assert 0.35 < left < 0.65 and 0.35 < right < 0.65


@pytest.mark.parametrize("n_components", [2, 3])
def test_every_grid_mode_is_covered(grid, n_components):
    dm = _fit(grid[0], n_components=n_components)
    assert dm.n_connected_components_ == 25
    coverage = mode_coverage(
        dm.sample(2000, random_state=0), gaussian_grid_centers(), GRID_STD
    )
    assert coverage.n_modes_hit == 25
    # Within a mode the samples vary (HEAD collapsed each mode to one point).
    assert coverage.high_quality_fraction > 0.9


def test_unequal_components_keep_their_own_geometry():
    X, labels = make_two_circles(3000, random_state=0)
    keep = np.r_[np.flatnonzero(labels == 0)[:1500], np.flatnonzero(labels == 1)[:500]]
    X, labels = X[keep], labels[keep]
    dm = _fit(X, n_components=2)
    off, left, right = _circle_shares(dm.sample(2000, random_state=0))
    pi_left = dm.stationary_distribution_[labels == 0].sum()
    assert off < 0.02
    # Walkers start from the stationary distribution: 0.75 / 0.25 here.
    assert abs(left - pi_left) < 0.03 and abs(right - (1 - pi_left)) < 0.03
    # Each circle is embedded as round as when it is fitted alone (measured
    # spread of the radius over its mean, joint / alone: 0.105 / 0.108 for
    # the large circle, 0.025 / 0.025 for the small one).
    for c in (0, 1):
        alone = _fit(X[labels == c], n_components=2).embedding_
        joint = dm.embedding_[labels == c]
        spread = [_radius_spread(Z) for Z in (joint, alone)]
        assert abs(spread[0] - spread[1]) < 0.01 and spread[0] < 0.15


# ---------------------------------------------------------------- contract
def test_labels_and_offsets(circles_model, two_circles):
    X, labels = two_circles
    dm = circles_model
    assert dm.n_connected_components_ == 2
    assert adjusted_rand_score(labels, dm.component_labels_) == 1.0
    assert dm.component_offsets_.shape == (2, dm.n_components_)
    # Offsets are centred in L2(pi) and the components do not overlap.
    weights = np.bincount(dm.component_labels_, dm.stationary_distribution_)
    np.testing.assert_allclose(weights @ dm.component_offsets_, 0.0, atol=1e-12)
    np.testing.assert_allclose(
        dm.stationary_distribution_ @ dm.eigenvectors_, 0.0, atol=1e-10
    )
    Z = dm.embedding_
    radius = [
        np.linalg.norm(
            Z[dm.component_labels_ == c] - Z[dm.component_labels_ == c].mean(0), axis=1
        ).max()
        for c in (0, 1)
    ]
    centres = [Z[dm.component_labels_ == c].mean(0) for c in (0, 1)]
    assert np.linalg.norm(centres[0] - centres[1]) > sum(radius)


def test_transform_reproduces_the_embedding(circles_model, two_circles, grid):
    X = two_circles[0]
    np.testing.assert_allclose(
        circles_model.transform(X), circles_model.embedding_, atol=1e-10
    )
    dm = _fit(grid[0], n_components=2)
    np.testing.assert_allclose(dm.transform(grid[0]), dm.embedding_, atol=1e-10)


def test_component_of_exact_duplicates_embeds_at_one_point():
    # Ten copies of one point link only to each other (their adaptive scale is
    # zero): a component with a rank-one kernel, whose non-trivial eigenvalues
    # are zero to rounding. Their eigenvectors are an arbitrary null-space
    # basis and were once used as coordinates (found by hypothesis): the
    # copies embedded apart and transform did not reproduce them.
    rng = np.random.RandomState(0)
    X = np.r_[rng.uniform(0, 10, size=(30, 2)), np.zeros((10, 2))]
    dm = _fit(X)
    assert np.bincount(dm.component_labels_).tolist() == [30, 10]
    np.testing.assert_array_equal(np.ptp(dm.embedding_[30:], axis=0), 0.0)
    np.testing.assert_allclose(dm.transform(X), dm.embedding_, atol=1e-10)


def test_new_points_stay_in_their_component(circles_model, two_circles):
    X, labels = two_circles
    rng = np.random.RandomState(1)
    X_new = X[:300] + rng.normal(scale=0.02, size=(300, 2))
    Z_new = circles_model.transform(X_new)
    nearest = np.argmin(
        ((Z_new[:, None, :] - circles_model.embedding_[None]) ** 2).sum(-1), axis=1
    )
    assert np.all(circles_model.component_labels_[nearest] == labels[:300])
    back = circles_model.inverse_transform(Z_new)
    assert np.quantile(np.linalg.norm(back - X_new, axis=1), 0.9) < 0.1


def test_same_random_state_same_model(two_circles):
    X = two_circles[0][:1000]
    a, b = _fit(X, n_components=3), _fit(X, n_components=3)
    np.testing.assert_array_equal(a.embedding_, b.embedding_)
    np.testing.assert_array_equal(
        a.sample(100, random_state=0), b.sample(100, random_state=0)
    )


def test_landmarks_and_precomputed_distances(two_circles):
    X, labels = two_circles
    dm = _fit(X, n_components=2, n_landmarks=800)
    off, left, right = _circle_shares(dm.sample(1000, random_state=0))
    assert off < 0.02 and min(left, right) > 0.35
    # Without a data space the components are laid out on a line.
    X, labels = X[:600], labels[:600]
    D = np.linalg.norm(X[:, None] - X[None], axis=-1)
    dm = _fit(D, n_components=2, metric="precomputed")
    side = dm.embedding_[:, 0] > 0
    assert adjusted_rand_score(labels, side) == 1.0
    np.testing.assert_allclose(dm.transform(D), dm.embedding_, atol=1e-10)


# ------------------------------------------------------------------ warning
def test_warning_points_at_the_caller_and_gives_advice(two_circles):
    with pytest.warns(DisconnectedGraphWarning) as record:
        DiffusionMap(random_state=0).fit(two_circles[0][:600])
    (warning,) = record
    assert warning.filename == __file__
    message = str(warning.message)
    assert "2 connected components (sizes 308, 292)" in message
    assert "its own diffusion coordinates" in message
    assert "Raising epsilon does not join" in message
    assert "Disconnected data" in message
    # Through fit_transform too.
    with pytest.warns(DisconnectedGraphWarning) as record:
        DiffusionMap(random_state=0).fit_transform(two_circles[0][:600])
    assert record[0].filename == __file__


def test_warning_says_when_epsilon_cut_the_graph():
    theta = np.random.RandomState(0).uniform(0, 2 * np.pi, 600)
    X = np.c_[np.cos(theta), np.sin(theta)]
    with pytest.warns(DisconnectedGraphWarning, match="epsilon is so small"):
        DiffusionMap(n_neighbors=30, epsilon=1e-3, random_state=0).fit(X)


# ----------------------------------------------------- connected: unchanged
def _reference_embedding(X, n_components, seed):
    """The connected code path written out from the package's functions."""
    rng = check_random_state(seed)
    search = NeighborSearch(
        15, "exact", "euclidean", None, None, rng.randint(2**31 - 1)
    )
    indices, distances = search.fit(X)
    kernel = graph.build_kernel_graph(indices, distances, "median", 7)
    K_alpha, _ = graph.alpha_normalize(kernel.K, 1.0)
    S, d = graph.symmetric_conjugate(K_alpha)
    pi = d / d.sum()
    values, vectors = top_eigenpairs(S, 11, "arpack", 0.0, None, rng)
    psi = vectors[:, 1:] / np.sqrt(pi)[:, None]
    mixing, _ = choose_coordinates(psi, values[1:], n_components, "llr", rng)
    return (psi @ mixing) * ((mixing**2).T @ values[1:])


def test_connected_data_take_the_unchanged_path(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("per-component code ran on a connected graph")

    monkeypatch.setattr(_spectra, "component_spectra", fail)
    for name in ("disconnected_coordinates", "keep_dominant_component"):
        monkeypatch.setattr(_estimator, name, fail)
    X = make_swiss_roll(1200, random_state=0)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DisconnectedGraphWarning)
        dm = DiffusionMap(random_state=0).fit(X)
    assert dm.n_connected_components_ == 1 and dm.component_offsets_ is None
    np.testing.assert_array_equal(dm.component_labels_, np.zeros(1200))
    np.testing.assert_array_equal(dm.embedding_, _reference_embedding(X, 2, 0))
    dm.transform(X[:10] + 0.01)
    dm.sample(10)


def test_components_stay_round_at_long_diffusion_times():
    # Each coordinate's eigenvalue is that of its within-component part; the
    # offsets (eigenvalue 1) must not pull it towards 1 and stretch the pieces.
    X, _ = make_two_circles(1000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedGraphWarning)
        dm = DiffusionMap(2, t=1000, random_state=0).fit(X)
    for c in (0, 1):
        Z = dm.embedding_[dm.component_labels_ == c]
        spread = np.linalg.eigvalsh(np.cov(Z.T))
        assert np.sqrt(spread[-1] / spread[0]) < 1.05


# ------------------------------------------- nearly disconnected: the cut
def _bridged_circles(n=1000, n_bridge=3, seed=0):
    """Two circles and ``n_bridge`` points between them (true label -1)."""
    X, labels = make_two_circles(n, random_state=seed)
    bridge = np.c_[np.linspace(-2, 2, n_bridge + 2)[1:-1], np.zeros(n_bridge)]
    return np.vstack([X, bridge]), np.r_[labels, -np.ones(n_bridge, dtype=int)]


def _bridged_grid(n=2000, seed=0):
    """The 5 x 5 grid with one point midway between four pairs of modes."""
    X, modes = make_gaussian_grid(n, random_state=seed)
    centres = gaussian_grid_centers()
    pairs = [(0, 1), (12, 17), (21, 22), (22, 23)]  # a chain of three in the last
    bridge = np.array([(centres[a] + centres[b]) / 2 for a, b in pairs])
    return np.vstack([X, bridge]), modes


@pytest.fixture(scope="module")
def bridged():
    X, labels = _bridged_circles()
    with pytest.warns(DisconnectedGraphWarning, match="nearly disconnected"):
        dm = DiffusionMap(3, random_state=0).fit(X)
    return X, labels, dm


def test_bridged_circles_are_cut_into_pieces(bridged):
    X, labels, dm = bridged
    assert dm.n_connected_components_ == 1
    assert dm.gap_ratios_.shape == (1,) and dm.gap_ratios_[0] > SPLIT_GAP
    # The circles, and the bridge on its own (its eigenvalue is also near 1).
    assert dm.n_pieces_ == 3
    keep = labels >= 0
    assert adjusted_rand_score(labels[keep], dm.component_labels_[keep]) == 1.0
    assert dm.component_offsets_.shape == (3, 3)
    np.testing.assert_allclose(dm.transform(X), dm.embedding_, atol=1e-10)


def test_bridged_circles_are_not_folded(bridged):
    """Measured at 1,003 points: 1.3 % off with the cut, 53 % without."""
    X, _, dm = bridged
    off, left, right = _circle_shares(dm.sample(2000, random_state=0))
    assert off < 0.02
    assert 0.35 < left < 0.65 and 0.35 < right < 0.65
    with warnings.catch_warnings():
        warnings.simplefilter("error", DisconnectedGraphWarning)
        whole = DiffusionMap(3, split_gap=None, random_state=0).fit(X)
    assert whole.n_pieces_ == 1
    assert _circle_shares(whole.sample(2000, random_state=0))[0] > 0.1


def _strip(n_samples, random_state):
    X = np.random.RandomState(random_state).uniform(size=(n_samples, 2))
    return X * [20.0, 1.0], None


@pytest.mark.parametrize(
    "make", [make_loop, make_sphere, make_torus, make_swiss_roll, _strip]
)
def test_gap_test_leaves_connected_manifolds_whole(make):
    """Measured ratios at 1,000 points: 2.5 to 4.3 (the default is 8)."""
    X = make(1000, random_state=0)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DisconnectedGraphWarning)
        dm = DiffusionMap(3, random_state=0).fit(X)
    assert dm.n_pieces_ == 1 and dm.component_offsets_ is None
    assert dm.gap_ratios_[0] < SPLIT_GAP / 1.5


def test_bridged_grid_keeps_every_mode():
    """Measured: 25 modes and 95 % high quality with the cut and without it
    (the per-component path already samples both modes of a joined pair);
    the cut makes every mode a piece of its own."""
    X, modes = _bridged_grid()
    with pytest.warns(DisconnectedGraphWarning):
        dm = DiffusionMap(3, random_state=0).fit(X)
    assert dm.n_connected_components_ == 21 and dm.n_pieces_ >= 25
    labels = dm.component_labels_[: len(modes)]
    assert adjusted_rand_score(modes, labels) == 1.0
    coverage = mode_coverage(
        dm.sample(2000, random_state=0), gaussian_grid_centers(), GRID_STD
    )
    assert coverage.n_modes_hit == 25
    assert coverage.high_quality_fraction > 0.9


def test_same_random_state_same_cut(bridged):
    X, _, dm = bridged
    again = _fit(X, n_components=3)
    np.testing.assert_array_equal(again.component_labels_, dm.component_labels_)
    np.testing.assert_array_equal(again.embedding_, dm.embedding_)
    np.testing.assert_array_equal(
        again.sample(100, random_state=0), dm.sample(100, random_state=0)
    )


def test_split_gap_none_restores_the_classic_path(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the gap test cut with split_gap=None")

    monkeypatch.setattr(_pieces, "KMeans", fail)
    monkeypatch.setattr(_spectra, "component_spectra", fail)
    X, _ = _bridged_circles()
    dm = DiffusionMap(3, split_gap=None, random_state=0).fit(X)
    assert dm.n_pieces_ == 1 and dm.component_offsets_ is None
    np.testing.assert_array_equal(dm.embedding_, _reference_embedding(X, 3, 0))


def test_split_gap_is_validated():
    X, _ = _bridged_circles(200)
    with pytest.raises(ValueError, match="split_gap"):
        DiffusionMap(split_gap=1.0).fit(X)


def test_cut_warning_says_what_was_cut_and_how_to_keep_the_graph_whole():
    X, _ = _bridged_circles()
    with pytest.warns(DisconnectedGraphWarning) as record:
        DiffusionMap(3, random_state=0).fit(X)
    (warning,) = record
    assert warning.filename == __file__
    message = str(warning.message)
    assert "nearly disconnected" in message
    assert "3 pieces (sizes 500, 500, 3)" in message
    assert "split_gap=None" in message


# ------------------------------------------------ nearly disconnected: units
def test_gap_ratios_and_piece_count():
    one = np.array([1.0, 0.99, 0.96, 0.91])  # a circle-like 1, 4, 9 ladder
    assert _pieces.count_pieces(one, 8.0) == 1
    two = np.array([1.0, 1 - 1e-6, 0.99, 0.96])
    np.testing.assert_allclose(_pieces.gap_ratios(two), [1e4, 4.0], rtol=1e-6)
    assert _pieces.count_pieces(two, 8.0) == 2
    # The largest m whose ratio exceeds the threshold: three pieces here.
    three = np.array([1.0, 1 - 1e-9, 1 - 1e-6, 0.99])
    assert _pieces.count_pieces(three, 8.0) == 3
    # Distances to 1 below the machine epsilon count as the epsilon.
    assert np.isfinite(_pieces.gap_ratios(np.array([1.0, 1.0, 0.9]))).all()


def test_cut_between_and_same_piece_neighbors():
    K = sparse.csr_matrix(np.ones((4, 4)))
    labels = np.array([0, 0, 1, 1])
    K_cut, n_cut = _pieces.cut_between(K, labels)
    assert n_cut == 4
    np.testing.assert_array_equal(K_cut.toarray(), np.kron(np.eye(2), np.ones((2, 2))))
    index = np.array([[0, 1, 2], [3, 0, 2]])
    np.testing.assert_array_equal(
        _pieces.same_piece_neighbors(index, labels), [[0, 1, 0], [3, 3, 2]]
    )
