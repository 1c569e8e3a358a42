import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import special_ortho_group
from sklearn import config_context

from skdvae import metrics
from skdvae.datasets import (
    GRID_STD,
    gaussian_grid_centers,
    make_circle,
    make_gaussian_grid,
    make_sphere,
    make_torus,
    make_two_circles,
)
from skdvae.metrics import (
    betti_numbers,
    continuity,
    gromov_wasserstein,
    local_bilipschitz,
    manifold_distance_summary,
    mode_coverage,
    precision_recall,
    spearman_correlation,
    trustworthiness,
)

SETTINGS = settings(max_examples=10, deadline=None, derandomize=True)


def _rotation(dim, seed):
    return special_ortho_group.rvs(dim, random_state=seed)


def _similarity(X, seed, scale, shift):
    """Rotate, scale and translate the rows of X."""
    return scale * X @ _rotation(X.shape[1], seed) + shift


@SETTINGS
@given(
    seed=st.integers(0, 1000),
    scale=st.floats(0.01, 100),
    shift=st.floats(-100, 100),
)
def test_metrics_ignore_similarities_and_row_order(seed, scale, shift):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 3))
    Z = X[:, :2] + 0.3 * rng.normal(size=(60, 2))  # an imperfect embedding
    perm = rng.permutation(60)
    Z2, X2 = _similarity(Z, seed, scale, shift)[perm], X[perm]
    assert trustworthiness(X2, Z2, 5) == pytest.approx(trustworthiness(X, Z, 5))
    assert continuity(X2, Z2, 5) == pytest.approx(continuity(X, Z, 5))
    np.testing.assert_allclose(
        local_bilipschitz(Z2, X2, 5), local_bilipschitz(Z, X, 5)[perm], rtol=1e-8
    )
    real, fake = X[:30], X[30:]
    moved = _similarity(np.r_[real, fake], seed, scale, shift)
    assert precision_recall(moved[:30], moved[30:], 3) == precision_recall(
        real, fake, 3
    )


# --------------------------------------------------------------------------
# Trustworthiness and continuity
# --------------------------------------------------------------------------
def test_trustworthiness_and_continuity_of_a_similarity_are_one():
    X = np.random.default_rng(0).normal(size=(120, 4))
    Z = 3.0 * X @ _rotation(4, 1) + 7.0
    assert trustworthiness(X, X) == 1.0
    assert trustworthiness(X, Z) == 1.0
    assert continuity(X, Z) == 1.0


def test_random_embedding_scores_one_half():
    # With k << n, nearly all k embedded neighbours are false and their ranks
    # in X are uniform, so the normalised penalty is (n - k) / (2n - 3k - 1)
    # = 0.507 for n = 400, k = 10; the score is about 1 - 0.507 (neighbours
    # shared by chance lower the penalty by about k / n, hence abs=0.03).
    rng = np.random.default_rng(0)
    X, Z = rng.normal(size=(400, 5)), rng.normal(size=(400, 2))
    expected = 1 - (400 - 10) / (2 * 400 - 3 * 10 - 1)
    assert trustworthiness(X, Z) == pytest.approx(expected, abs=0.03)
    assert continuity(X, Z) == pytest.approx(expected, abs=0.03)


def test_projection_hurts_trustworthiness_and_tearing_hurts_continuity():
    rng = np.random.default_rng(0)
    # Collapsing a cube onto a face brings far points together (false
    # neighbours) but keeps true neighbours close.
    cube = rng.uniform(size=(300, 3))
    assert trustworthiness(cube, cube[:, :2]) < continuity(cube, cube[:, :2])
    # Cutting a circle open at angle 0 separates true neighbours.
    X, s = make_circle(300, random_state=0)
    assert continuity(X, s[:, None]) < trustworthiness(X, s[:, None])


def test_trustworthiness_validates_input():
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="same number of samples"):
        trustworthiness(X, X[:5])
    with pytest.raises(ValueError, match="n_neighbors"):
        continuity(X, X, n_neighbors=0)


# --------------------------------------------------------------------------
# Spearman correlation of distances
# --------------------------------------------------------------------------
def test_spearman_is_one_for_a_monotone_embedding():
    # An affine map multiplies every pairwise distance by 2: same ranks.
    t = np.random.default_rng(0).uniform(size=200)
    rho = spearman_correlation(t, np.c_[2 * t - 1, np.zeros(200)])
    assert rho == pytest.approx(1.0, abs=1e-12)


def test_spearman_is_near_zero_for_an_unrelated_embedding():
    # Independent configurations: zero in expectation; the Mantel-type
    # standard error for n = 300 points is about 1 / n.
    rng = np.random.default_rng(0)
    rho = spearman_correlation(rng.uniform(size=300), rng.normal(size=(300, 2)))
    assert abs(rho) < 0.03


def test_spearman_subsample_is_seeded():
    rng = np.random.default_rng(0)
    params, Z = rng.uniform(size=(500, 2)), rng.normal(size=(500, 2))
    Z[:, 0] += 3 * params[:, 0]
    a = spearman_correlation(params, Z, max_samples=50, random_state=1)
    assert a == spearman_correlation(params, Z, max_samples=50, random_state=1)
    assert a != spearman_correlation(params, Z, max_samples=50, random_state=2)


def test_spearman_validates_input():
    with pytest.raises(ValueError, match="same number of samples"):
        spearman_correlation(np.arange(5.0), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="distances are equal"):
        spearman_correlation(np.arange(5.0), np.zeros((5, 2)))


# --------------------------------------------------------------------------
# Gromov-Wasserstein
# --------------------------------------------------------------------------
def test_gromov_wasserstein_of_isometric_clouds_is_zero():
    X, _ = make_torus(150, random_state=0)
    Y = (2.5 * X @ _rotation(3, 1) + 4.0)[np.random.default_rng(2).permutation(150)]
    assert gromov_wasserstein(X, X) < 1e-12
    # Rigid motion, permutation and scale (removed by the max-normalisation).
    assert gromov_wasserstein(X, Y) < 1e-12


def test_gromov_wasserstein_two_points_against_a_triangle():
    # Normalised costs C1 = 1 - I_2, C2 = 1 - I_3 with uniform weights. The
    # loss sum (C1_ik - C2_jl)^2 T_ij T_kl equals
    # (sum p_i^2 - |T|^2) + (sum q_j^2 - |T|^2) = 5/6 - 2 |T|_F^2, and the
    # largest |T|_F^2 over couplings is 5/18 (T = [[1/3, 1/6, 0],
    # [0, 1/6, 1/3]]), so GW = 5/6 - 10/18 = 5/18.
    triangle = [[0, 0], [1, 0], [0.5, np.sqrt(3) / 2]]
    assert gromov_wasserstein([[0.0], [1.0]], triangle) == pytest.approx(5 / 18)


def test_gromov_wasserstein_separates_shapes_and_subsamples():
    circle, _ = make_circle(200, random_state=0)
    noisy, _ = make_circle(200, noise=0.02, random_state=1)
    two, _ = make_two_circles(200, random_state=2)
    near = gromov_wasserstein(circle, noisy)
    assert near < gromov_wasserstein(circle, two)
    sub = gromov_wasserstein(circle, two, max_samples=50, random_state=0)
    assert sub == gromov_wasserstein(circle, two, max_samples=50, random_state=0)


def test_gromov_wasserstein_errors(monkeypatch):
    with pytest.raises(ValueError, match="all its points equal"):
        gromov_wasserstein(np.zeros((5, 2)), np.eye(3))
    monkeypatch.setitem(sys.modules, "ot", None)
    with pytest.raises(ImportError, match=r"skdvae\[metrics\]"):
        gromov_wasserstein(np.eye(3), np.eye(3))


# --------------------------------------------------------------------------
# Local bi-Lipschitz constant
# --------------------------------------------------------------------------
def test_bilipschitz_of_a_scaled_isometry_is_one():
    Z = np.random.default_rng(0).normal(size=(100, 2))
    X = 4.0 * np.c_[Z, np.zeros(100)] @ _rotation(3, 1)
    np.testing.assert_allclose(local_bilipschitz(Z, X, n_neighbors=8), 1.0)
    # Scale invariance in either space.
    np.testing.assert_allclose(
        local_bilipschitz(10 * Z, X), local_bilipschitz(Z, 0.1 * X)
    )


@pytest.mark.parametrize("slope", [3.0, 1.0 / 3.0])
def test_bilipschitz_of_a_known_stretch(slope):
    # Z = 0, 1, ..., 39 with k = 2: each point's neighbours are at latent
    # distance 1 (2 for the end points). The decoder has slope 1 up to z = 29
    # and `slope` beyond, so most of the 80 pairs keep dx = dz and both
    # medians are 1. Points 0..28 see only slope-1 pairs (constant 1); points
    # 29..39 have a neighbour across or beyond the kink (constant
    # max(slope, 1 / slope) = 3).
    z = np.arange(40.0)
    x = np.where(z <= 29, z, 29 + slope * (z - 29))
    expected = np.where(z >= 29, 3.0, 1.0)
    np.testing.assert_allclose(
        local_bilipschitz(z[:, None], x[:, None], n_neighbors=2), expected
    )


def test_bilipschitz_duplicates():
    z = np.arange(10.0)[:, None]
    x = z.copy()
    x[5] = x[4]  # two latent points decoded to the same output
    values = local_bilipschitz(z, x, n_neighbors=2)
    assert np.isinf(values[4]) and np.isinf(values[5])
    assert np.all(np.isfinite(np.delete(values, [4, 5])))
    # Zero distance in both spaces counts as ratio 1.
    zz = np.r_[z, z[:1]]
    assert np.all(np.isfinite(local_bilipschitz(zz, zz, n_neighbors=2)))


def test_bilipschitz_validates_input():
    Z = np.zeros((10, 2))
    with pytest.raises(ValueError, match="same number of samples"):
        local_bilipschitz(Z, Z[:9])
    with pytest.raises(ValueError, match="n_neighbors"):
        local_bilipschitz(np.eye(10), np.eye(10), n_neighbors=10)
    with pytest.raises(ValueError, match="median neighbour distance is zero"):
        local_bilipschitz(Z, np.eye(10), n_neighbors=3)


# --------------------------------------------------------------------------
# Betti numbers
# --------------------------------------------------------------------------
def test_betti_numbers_of_noisy_curves():
    X, _ = make_circle(600, noise=0.05, random_state=0)
    assert betti_numbers(X, max_dim=1, random_state=0) == (1, 1)
    X, _ = make_two_circles(600, noise=0.05, random_state=0)
    assert betti_numbers(X, max_dim=1, random_state=0) == (2, 2)


def test_betti_numbers_of_the_gaussian_grid():
    # 25 components; the squares between clusters appear only after the
    # clusters merge, so they are not counted as loops.
    X, _ = make_gaussian_grid(600, random_state=0)
    assert betti_numbers(X, max_dim=1, random_state=0) == (25, 0)


def test_betti_numbers_of_surfaces():
    X, _ = make_sphere(2000, noise=0.05, random_state=0)
    assert betti_numbers(X, random_state=0) == (1, 0, 1)
    # The torus needs maxmin landmarks from a larger sample (see docstring).
    X, _ = make_torus(3000, noise=0.05, random_state=0)
    assert betti_numbers(X, random_state=0) == (1, 2, 1)


def test_betti_numbers_with_explicit_threshold():
    # The two circles are 4 apart, and a unit circle's Rips H1 bar lives from
    # its largest sampling gap (about 0.1 here) to sqrt(3) = 1.73.
    X, _ = make_two_circles(300, random_state=0)
    assert betti_numbers(X, max_dim=1, threshold=1.0) == (2, 2)
    assert betti_numbers(X, max_dim=1, threshold=2.0) == (2, 0)
    assert betti_numbers(X, max_dim=1, threshold=5.0) == (1, 0)


def test_betti_numbers_degenerate_inputs():
    assert betti_numbers(np.ones((20, 3)), max_dim=2) == (1, 0, 0)
    X, _ = make_two_circles(200, random_state=0)
    assert betti_numbers(X, max_dim=0) == (2,)


def test_component_gaps_from_h0_deaths():
    # Two deaths jump by 50x over the rest: three components, sampling scale
    # 0.1 (the largest non-gap death), smallest gap 5.
    deaths = np.r_[6.0, 5.0, np.linspace(0.1, 0.05, 30), 0.0]
    n_gaps, delta, gap = metrics._scales_from_h0(deaths)
    assert (n_gaps, delta, gap) == (2, 0.1, 5.0)
    # Jumps below the factor do not split: spacings of a random sample.
    assert metrics._scales_from_h0(np.linspace(1.0, 0.5, 30))[0] == 0


def test_betti_numbers_validates_input(monkeypatch):
    with pytest.raises(ValueError, match="threshold"):
        betti_numbers(np.eye(3), threshold=-1.0)
    with pytest.raises(ValueError, match="max_dim"):
        betti_numbers(np.eye(3), max_dim=-1)
    monkeypatch.setitem(sys.modules, "ripser", None)
    with pytest.raises(ImportError, match=r"skdvae\[metrics\]"):
        betti_numbers(np.eye(3))


# --------------------------------------------------------------------------
# Mode coverage
# --------------------------------------------------------------------------
def test_mode_coverage_on_constructed_samples():
    centers = gaussian_grid_centers()
    radius = 3 * GRID_STD
    X = np.r_[
        np.repeat(centers[:1], 3, axis=0),  # 3 exactly on mode 0
        centers[5:6] + [0.9 * radius, 0.0],  # inside mode 5's ball
        centers[7:8] + [0.0, 1.1 * radius],  # just outside mode 7's ball
        [[10.0, 10.0], [0.0, 1.0]],  # far from every mode
    ]
    result = mode_coverage(X, centers, GRID_STD)
    assert result.n_modes_hit == 2
    assert result.high_quality_fraction == pytest.approx(4 / 7)
    expected = np.zeros(25, dtype=int)
    expected[[0, 5]] = [3, 1]
    np.testing.assert_array_equal(result.counts, expected)


def test_mode_coverage_of_true_samples():
    # A 2-d Gaussian sample lies within 3 std of its centre with probability
    # 1 - exp(-9/2) = 0.989; allow 4 standard errors at n = 2500.
    n = 2500
    X, modes = make_gaussian_grid(n, random_state=0)
    result = mode_coverage(X, gaussian_grid_centers(), GRID_STD)
    p = 1 - np.exp(-4.5)
    assert result.n_modes_hit == 25
    assert abs(result.high_quality_fraction - p) < 4 * np.sqrt(p * (1 - p) / n)
    # Modes are 40 std apart, so a high-quality sample belongs to its mode.
    own = np.linalg.norm(X - gaussian_grid_centers()[modes], axis=1) <= 3 * GRID_STD
    np.testing.assert_array_equal(result.counts, np.bincount(modes[own], minlength=25))


def test_mode_coverage_validates_input():
    with pytest.raises(ValueError, match="features"):
        mode_coverage(np.zeros((3, 3)), np.zeros((2, 2)), 1.0)
    with pytest.raises(ValueError, match="std"):
        mode_coverage(np.zeros((3, 2)), np.zeros((2, 2)), 0.0)


# --------------------------------------------------------------------------
# Precision and recall
# --------------------------------------------------------------------------
def test_precision_recall_identical_and_disjoint():
    real = np.random.default_rng(0).normal(size=(200, 3))
    assert precision_recall(real, real) == (1.0, 1.0)
    assert precision_recall(real, real + 100.0) == (0.0, 0.0)


def test_precision_recall_half_overlap_in_chunks():
    # real = clusters A and B, fake = A and a far cluster C: half of the fake
    # samples (A) sit on real ones and half of the real samples (A) on fake
    # ones; B and C are 50 apart from everything, far beyond any k-NN radius.
    rng = np.random.default_rng(0)
    A, B, C = (rng.normal(size=(100, 2)) + [c, 0] for c in (0.0, 50.0, -50.0))
    real, fake = np.r_[A, B], np.r_[A, C]
    with config_context(working_memory=0.01):  # 10 kB: many row blocks
        result = precision_recall(real, fake, n_neighbors=3)
    assert result == (0.5, 0.5)
    assert result.precision == 0.5 and result.recall == 0.5


def test_precision_recall_validates_input():
    real = np.zeros((10, 2))
    with pytest.raises(ValueError, match="same number of features"):
        precision_recall(real, np.zeros((10, 3)))
    with pytest.raises(ValueError, match="n_neighbors"):
        precision_recall(real, np.zeros((4, 2)), n_neighbors=5)


# --------------------------------------------------------------------------
# Distance to the true manifold
# --------------------------------------------------------------------------
def test_manifold_distance_summary():
    # Radii 1.5, 1 and 3: distances 0.5, 0 and 2; the 90th percentile
    # interpolates linearly, 0.5 + 0.8 * (2 - 0.5) = 1.7.
    summary = manifold_distance_summary("circle", [[1.5, 0], [0, 1], [0, -3]])
    assert summary == pytest.approx(
        {"mean": 2.5 / 3, "median": 0.5, "q90": 1.7, "max": 2.0}
    )
