"""DiffusionMap against analytic spectra, a dense reference and its contract."""

import pickle
import warnings

import numpy as np
import pytest
from scipy import linalg
from scipy.spatial.distance import cdist
from scipy.stats import spearmanr
from sklearn.datasets import make_swiss_roll
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsTransformer
from sklearn.utils.validation import NotFittedError

from skdvae import DiffusionMap
from skdvae.exceptions import DisconnectedGraphWarning, SmallDataWarning
from tests.arrays import data_arrays


def _circle(n, seed=0):
    theta = np.random.RandomState(seed).uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(theta), np.sin(theta)], theta


def _sphere(n, seed=0):
    X = np.random.RandomState(seed).standard_normal((n, 3))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def _assert_equal_up_to_sign(A, B, atol):
    """Columns of A equal those of B up to a per-column sign flip."""
    for a, b in zip(A.T, B.T):
        err = min(np.abs(a - b).max(), np.abs(a + b).max())
        assert err < atol, err


@pytest.fixture(scope="module")
def swiss_roll():
    X, t = make_swiss_roll(1500, random_state=0)
    return X, t


@pytest.fixture(scope="module")
def fitted_roll(swiss_roll):
    return DiffusionMap(random_state=0).fit(swiss_roll[0])


# --------------------------------------------------------------- analytic truth
def test_circle_spectrum_is_laplace_beltrami():
    """On the unit circle, (1 - lambda_j) / eps ~ j^2 with multiplicity 2."""
    X, theta = _circle(1000)
    dm = DiffusionMap(
        n_components=6,
        n_neighbors=60,
        alpha=1.0,
        adaptive_bandwidth=False,
        component_selection="first",
        random_state=0,
    ).fit(X)
    generator = (1 - dm.eigenvalues_) / dm.epsilon_
    ratios = generator / generator[0]
    np.testing.assert_allclose(ratios, [1, 1, 4, 4, 9, 9], rtol=0.06)
    # The first two coordinates lie on a circle (cos, sin of the angle).
    radius = np.linalg.norm(dm.embedding_[:, :2], axis=1)
    assert radius.std() / radius.mean() < 0.03


def test_sphere_spectrum_and_linear_coordinates():
    """On S^2: l = 1 (x, y, z) with multiplicity 3, then l = 2 with l(l+1) = 6."""
    X = _sphere(2000)
    dm = DiffusionMap(
        n_components=8,
        n_neighbors=60,
        component_selection="first",
        adaptive_bandwidth=False,
        random_state=0,
    ).fit(X)
    generator = (1 - dm.eigenvalues_) / dm.epsilon_
    ratios = generator / generator[:3].mean()
    np.testing.assert_allclose(ratios[:3], 1.0, rtol=0.05)
    np.testing.assert_allclose(ratios[3:], 3.0, rtol=0.08)  # 6 / 2
    # The first three coordinates are linear in (x, y, z).
    psi = dm.eigenvectors_[:, :3]
    coef, *_ = np.linalg.lstsq(np.c_[X, np.ones(len(X))], psi, rcond=None)
    resid = psi - np.c_[X, np.ones(len(X))] @ coef
    assert np.sum(resid**2) / np.sum((psi - psi.mean(0)) ** 2) < 0.01


def _dense_reference(X, n_neighbors, epsilon, alpha, n_eig, adaptive):
    """Textbook dense diffusion map with the same tapered kNN kernel."""
    D = cdist(X, X)
    sorted_d = np.sort(D, axis=1)
    radius = sorted_d[:, n_neighbors - 1]
    scale = np.outer(sorted_d[:, 7], sorted_d[:, 7]) if adaptive else 1.0
    R = np.maximum(radius[:, None], radius[None, :])
    K = np.exp(-(D**2) / (epsilon * scale)) - np.exp(-(R**2) / (epsilon * scale))
    K = np.where(D < R, K, 0.0)
    q = K.sum(1)
    K_alpha = K / np.outer(q**alpha, q**alpha)
    d = K_alpha.sum(1)
    S = K_alpha / np.sqrt(np.outer(d, d))
    values, vectors = linalg.eigh(S)
    values, vectors = values[::-1][:n_eig], vectors[:, ::-1][:, :n_eig]
    psi = vectors / np.sqrt(d / d.sum())[:, None]
    return values[1:], psi[:, 1:]


@pytest.mark.parametrize("adaptive", [False, True])
@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
def test_sparse_path_matches_dense_reference(swiss_roll, alpha, adaptive):
    X = swiss_roll[0][:300]
    epsilon = 1.0 if adaptive else 5.0
    dm = DiffusionMap(
        n_components=4,
        n_neighbors=12,
        epsilon=epsilon,
        alpha=alpha,
        adaptive_bandwidth=adaptive,
        component_selection="first",
        eigen_solver="arpack",
        random_state=0,
    ).fit(X)
    values, psi = _dense_reference(X, 12, epsilon, alpha, 5, adaptive)
    np.testing.assert_allclose(dm.eigenvalues_, values, atol=1e-6)
    _assert_equal_up_to_sign(dm.eigenvectors_, psi, atol=1e-6)


@pytest.mark.parametrize("solver", ["arpack", "lobpcg", "amg"])
def test_solvers_agree_with_dense(swiss_roll, solver):
    X = swiss_roll[0][:600]
    common = dict(
        n_components=3, n_neighbors=30, component_selection="first", random_state=0
    )
    ref = DiffusionMap(eigen_solver="dense", **common).fit(X)
    dm = DiffusionMap(eigen_solver=solver, eigen_tol=1e-9, **common).fit(X)
    assert dm.eigen_solver_ == solver
    np.testing.assert_allclose(dm.eigenvalues_, ref.eigenvalues_, atol=1e-7)
    _assert_equal_up_to_sign(dm.eigenvectors_, ref.eigenvectors_, atol=1e-3)


def test_swiss_roll_is_unrolled_by_llr(fitted_roll, swiss_roll):
    X, t = swiss_roll
    Z = fitted_roll.embedding_
    # One coordinate follows the roll, the other the height: both intrinsic
    # coordinates appear, where the first two eigenvectors both follow the roll.
    along = max(abs(spearmanr(Z[:, j], t)[0]) for j in range(2))
    across = max(abs(spearmanr(Z[:, j], X[:, 1])[0]) for j in range(2))
    assert along > 0.95 and across > 0.8
    first = DiffusionMap(component_selection="first", random_state=0).fit(X)
    across_first = max(
        abs(spearmanr(first.embedding_[:, j], X[:, 1])[0]) for j in range(2)
    )
    assert across_first < 0.3


# ------------------------------------------------------------------ Nystrom
def test_transform_reproduces_training_embedding(fitted_roll, swiss_roll):
    Z = fitted_roll.transform(swiss_roll[0])
    np.testing.assert_allclose(Z, fitted_roll.embedding_, atol=1e-10)


def test_transform_is_continuous(fitted_roll, swiss_roll):
    X = swiss_roll[0][:200]
    delta = 1e-9 * np.random.RandomState(1).standard_normal(X.shape)
    moved = np.abs(fitted_roll.transform(X + delta) - fitted_roll.transform(X)).max()
    scale = np.abs(fitted_roll.embedding_).max()
    assert moved < 1e-6 * scale


def test_held_out_points_land_near_their_neighbours(swiss_roll):
    X, _ = swiss_roll
    dm = DiffusionMap(random_state=0).fit(X[:1000])
    Z_new = dm.transform(X[1000:])
    nearest = np.argmin(cdist(X[1000:], X[:1000]), axis=1)
    spread = np.ptp(dm.embedding_, axis=0)
    err = np.abs(Z_new - dm.embedding_[nearest]) / spread
    assert np.median(err) < 0.02


def test_diffusion_time_changes_only_the_powers(swiss_roll):
    X = swiss_roll[0][:500]
    dm = DiffusionMap(random_state=0).fit(X)
    Z1 = dm.transform(X[:20])
    dm.set_params(t=3)
    np.testing.assert_allclose(
        dm.transform(X[:20]), Z1 * dm.eigenvalues_**2, rtol=1e-10
    )
    np.testing.assert_allclose(dm.embedding_, dm.transform(X), atol=1e-10)


# ------------------------------------------------------- determinism / invariance
def test_same_random_state_same_model(swiss_roll):
    X = swiss_roll[0]
    a = DiffusionMap(random_state=3).fit_transform(X)
    b = DiffusionMap(random_state=3).fit_transform(X)
    np.testing.assert_array_equal(a, b)


def test_pickle_round_trip(fitted_roll, swiss_roll):
    X = swiss_roll[0][:50]
    clone = pickle.loads(pickle.dumps(fitted_roll))
    np.testing.assert_array_equal(clone.transform(X), fitted_roll.transform(X))
    np.testing.assert_array_equal(
        clone.inverse_transform(clone.transform(X)),
        fitted_roll.inverse_transform(fitted_roll.transform(X)),
    )


def test_permutation_invariance(swiss_roll):
    X = swiss_roll[0][:800]
    perm = np.random.RandomState(0).permutation(len(X))
    common = dict(component_selection="first", n_components=3, random_state=0)
    a = DiffusionMap(**common).fit(X).embedding_
    b = DiffusionMap(**common).fit(X[perm]).embedding_
    _assert_equal_up_to_sign(b, a[perm], atol=1e-6 * np.abs(a).max())


# ---------------------------------------------------- inverse_transform / sample
def test_inverse_transform_round_trip_held_out(swiss_roll):
    X, _ = swiss_roll
    dm = DiffusionMap(random_state=0).fit(X[:1200])
    X_back = dm.inverse_transform(dm.transform(X[1200:]))
    err = np.linalg.norm(X_back - X[1200:], axis=1)
    diameter = np.ptp(X, axis=0).max()
    # Two coordinates of a surface: a good pre-image errs by far less than
    # the typical neighbour spacing (about 1.3 here) times a few.
    assert np.median(err) < 0.05 * diameter


def test_samples_lie_on_and_cover_the_circle():
    X, _ = _circle(800)
    dm = DiffusionMap(random_state=0).fit(X)
    S = dm.sample(2000, random_state=0)
    assert S.shape == (2000, 2)
    off = np.abs(np.linalg.norm(S, axis=1) - 1)
    # Neighbour spacing is about 0.008 and the walk step a few times that.
    assert np.quantile(off, 0.99) < 0.01 and off.max() < 0.1
    angles = np.arctan2(S[:, 1], S[:, 0])
    counts = np.histogram(angles, bins=24, range=(-np.pi, np.pi))[0]
    assert counts.min() > 0.4 * counts.mean()
    np.testing.assert_array_equal(S, dm.sample(2000, random_state=0))
    assert not np.array_equal(S, dm.sample(2000, random_state=1))


def test_score_selects_a_sensible_bandwidth():
    """Kernels far narrower than the neighbour spacing lose.

    With the adaptive kernel epsilon is relative to the local spacing; the
    median rule gives about 3 here. At 1e-3 the kernel weights vanish and the
    circle falls apart into pieces, each embedded on its own: that beats the
    connected but blurred 1e-2, and both lose to the median.
    """
    X, _ = _circle(600)
    noise = np.random.RandomState(0).normal(scale=0.02, size=X.shape)
    grid = GridSearchCV(
        DiffusionMap(n_neighbors=30, random_state=0),
        {"epsilon": [1e-3, 1e-2, "median"]},
        cv=3,
    ).fit(X + noise)
    assert grid.best_params_["epsilon"] == "median"
    scores = grid.cv_results_["mean_test_score"]
    assert max(scores[0], scores[1]) < scores[2]


# ------------------------------------------------------------- back ends
def test_precomputed_dense_matches_euclidean(swiss_roll):
    X = swiss_roll[0][:400]
    a = DiffusionMap(random_state=0).fit(X)
    b = DiffusionMap(metric="precomputed", random_state=0).fit(cdist(X, X))
    np.testing.assert_allclose(b.embedding_, a.embedding_, atol=1e-8)
    np.testing.assert_allclose(
        b.transform(cdist(X[:10], X)), a.transform(X[:10]), atol=1e-8
    )


def test_precomputed_sparse_graph_and_transformer(swiss_roll):
    X = swiss_roll[0][:400]
    ref = DiffusionMap(n_neighbors=10, random_state=0).fit(X)
    G = KNeighborsTransformer(n_neighbors=20, mode="distance").fit_transform(X)
    sp = DiffusionMap(n_neighbors=10, metric="precomputed", random_state=0).fit(G)
    np.testing.assert_allclose(sp.embedding_, ref.embedding_, atol=1e-8)
    tr = DiffusionMap(
        n_neighbors=10, neighbors=KNeighborsTransformer(n_neighbors=20), random_state=0
    ).fit(X)
    assert tr.neighbors_ == "estimator"
    np.testing.assert_allclose(tr.embedding_, ref.embedding_, atol=1e-8)


@pytest.mark.slow  # pynndescent compiles its numba kernels: about a minute
def test_approximate_neighbours_agree_with_exact(swiss_roll):
    X = swiss_roll[0]
    ref = DiffusionMap(component_selection="first", random_state=0).fit(X)
    app = DiffusionMap(
        component_selection="first", neighbors="approximate", random_state=0
    ).fit(X)
    assert app.neighbors_ == "approximate"
    for a, b in zip(app.embedding_.T, ref.embedding_.T):
        assert abs(np.corrcoef(a, b)[0, 1]) > 0.99


def test_landmarks_extend_to_all_points(swiss_roll):
    X, t = swiss_roll
    dm = DiffusionMap(n_landmarks=600, random_state=0).fit(X)
    assert dm.embedding_.shape == (len(X), 2)
    assert dm.X_fit_.shape[0] == 600
    assert max(abs(spearmanr(dm.embedding_[:, j], t)[0]) for j in range(2)) > 0.95
    km = DiffusionMap(n_landmarks=600, landmark_method="kmeans", random_state=0).fit(X)
    assert km.embedding_.shape == (len(X), 2)


def test_fixed_bandwidth_reproduces(swiss_roll):
    X = swiss_roll[0][:600]
    dm = DiffusionMap(adaptive_bandwidth=False, random_state=0).fit(X)
    np.testing.assert_allclose(dm.transform(X), dm.embedding_, atol=1e-10)


def test_adaptive_bandwidth_keeps_an_unevenly_sampled_loop_whole():
    """Uniform in s is uneven along (cos s, sin 2s, sin 3s): a fixed kernel
    leaves the fast stretches weakly linked and the first coordinates describe
    that split; the adaptive kernel gives the circle (cos, sin of the arc)."""
    s = np.random.RandomState(0).uniform(0, 2 * np.pi, 2000)
    X = np.c_[np.cos(s), np.sin(2 * s), np.sin(3 * s)]
    for adaptive, bound in [(True, 0.05), (False, None)]:
        Z = DiffusionMap(adaptive_bandwidth=adaptive, random_state=0).fit_transform(X)
        r = np.linalg.norm(Z - Z.mean(0), axis=1)
        if bound is None:
            assert r.std() / r.mean() > 0.2
        else:
            assert r.std() / r.mean() < bound


def test_float32_and_pandas_output(swiss_roll):
    X = swiss_roll[0][:300].astype(np.float32)
    dm = DiffusionMap(random_state=0).set_output(transform="pandas")
    out = dm.fit_transform(X)
    assert list(out.columns) == ["diffusionmap0", "diffusionmap1"]
    assert out.dtypes.iloc[0] == np.float32
    assert dm.inverse_transform(out.to_numpy()).dtype == np.float32
    # Only scikit-learn's KD tree (exact search on at most 15 features)
    # keeps a float64 copy, as docs/scaling.md says.
    trees = [a for a in data_arrays(dm._search, X.shape) if a.dtype == np.float64]
    assert trees and dm._search.index_._fit_method == "kd_tree"


def test_float32_training_data_is_kept_in_float32_only(swiss_roll):
    # 20 features: the exact search is brute force, which keeps the data as is.
    rotation = np.random.default_rng(0).normal(size=(3, 20))
    X = (swiss_roll[0][:300] @ rotation).astype(np.float32)
    dm = DiffusionMap(random_state=0).fit(X)
    kept = data_arrays(dm, X.shape)
    assert kept and all(a.dtype == np.float32 for a in kept)
    assert dm.inverse_transform(dm.embedding_).dtype == np.float32


# ------------------------------------------------------------- edge cases
def test_disconnected_graph_warns():
    X, _ = _circle(200)
    X = np.vstack([X, X + 10.0])
    with pytest.warns(DisconnectedGraphWarning, match="2 connected components"):
        dm = DiffusionMap(random_state=0).fit(X)
    assert dm.n_connected_components_ == 2


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[0.0, np.nan], [1.0, 2.0]] * 10), "NaN"),
        (np.array([[0.0, np.inf], [1.0, 2.0]] * 10), "infinity"),
        (np.zeros((0, 3)), "0 sample"),
        (np.zeros((1, 3)), "1 sample"),
    ],
)
def test_bad_input_errors(X, match):
    with pytest.raises(ValueError, match=match):
        DiffusionMap().fit(X)


def test_too_few_samples_for_neighbours_uses_all():
    X = np.random.RandomState(0).rand(10, 2)
    with pytest.warns(SmallDataWarning, match="n_neighbors=15 is more than the 10"):
        dm = DiffusionMap(n_neighbors=15, random_state=0).fit(X)
    assert dm.n_neighbors_ == 10
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallDataWarning)
        same = DiffusionMap(n_neighbors=10, random_state=0).fit(X)
    np.testing.assert_array_equal(dm.embedding_, same.embedding_)


def test_default_candidates_fit_small_data_but_explicit_ones_raise():
    X = np.random.RandomState(0).rand(8, 2)
    dm = DiffusionMap(n_neighbors=5, random_state=0).fit(X)
    assert len(dm.candidate_eigenvalues_) == 6  # 8 points allow 6, not 10
    with pytest.raises(ValueError, match="n_candidates=7 needs at least 9"):
        DiffusionMap(n_neighbors=5, n_candidates=7).fit(X)


def test_constant_data_errors():
    with pytest.raises(ValueError, match="All 50 samples are identical"):
        DiffusionMap(n_neighbors=5).fit(np.ones((50, 3)))


def test_wrong_feature_count_and_unfitted(fitted_roll):
    with pytest.raises(ValueError, match="features"):
        fitted_roll.transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="diffusion coordinates"):
        fitted_roll.inverse_transform(np.zeros((3, 5)))
    with pytest.raises(NotFittedError):
        DiffusionMap().transform(np.zeros((3, 3)))


def test_invalid_parameters():
    X = np.random.RandomState(0).rand(50, 2)
    with pytest.raises(ValueError, match="alpha"):
        DiffusionMap(alpha=1.5).fit(X)
    with pytest.raises(ValueError, match="n_landmarks"):
        DiffusionMap(n_landmarks=60).fit(X)
    with pytest.raises(ValueError, match="square"):
        DiffusionMap(metric="precomputed").fit(X)


def test_auto_solver_falls_back_with_a_warning(monkeypatch, swiss_roll):
    """ARPACK non-convergence under "auto" is warned and recorded, not hidden."""
    from scipy.sparse.linalg import ArpackNoConvergence
    from sklearn.exceptions import ConvergenceWarning

    from skdvae.diffusion_map import _eigensolvers as _spectral

    def fail(*args, **kwargs):
        raise ArpackNoConvergence("no convergence", np.zeros(0), np.zeros((0, 0)))

    monkeypatch.setattr(_spectral, "_arpack", fail)
    X = swiss_roll[0][:1200]
    with pytest.warns(ConvergenceWarning, match="ARPACK did not converge"):
        dm = DiffusionMap(random_state=0).fit(X)
    assert dm.eigen_solver_ == "amg"
    with pytest.raises(ArpackNoConvergence):
        DiffusionMap(eigen_solver="arpack", random_state=0).fit(X)


def test_auto_solver_thresholds():
    from skdvae.diffusion_map._checks import resolve_solver

    sizes = (1000, 1001, 10_000, 10_001)
    assert [resolve_solver("auto", n) for n in sizes] == [
        "dense",
        "arpack",
        "arpack",
        "amg",
    ]
    assert resolve_solver("lobpcg", 10) == "lobpcg"


def test_interrupt_leaves_estimator_unfitted(monkeypatch):
    from skdvae.diffusion_map import _spectra

    X = np.random.RandomState(0).rand(100, 3)
    dm = DiffusionMap(random_state=0).set_output(transform="pandas").fit(X)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_spectra, "solve_auto", interrupted)
    with pytest.raises(KeyboardInterrupt, match="not fitted"):
        dm.fit(X)
    with pytest.raises(NotFittedError):
        dm.transform(X)
    monkeypatch.undo()
    assert dm.fit(X).transform(X[:2]).shape == (2, 2)  # pandas output kept
    assert hasattr(dm.transform(X[:2]), "columns")


def test_dense_solver_refused_on_large_data_before_any_work(monkeypatch):
    from skdvae.diffusion_map import _estimator

    def never(*args, **kwargs):
        raise AssertionError("the neighbour search must not start")

    monkeypatch.setattr(_estimator.NeighborSearch, "fit", never)
    X = np.random.RandomState(0).rand(20_001, 2)
    with pytest.raises(ValueError, match="limited to 20000 fitted points"):
        DiffusionMap(eigen_solver="dense").fit(X)
