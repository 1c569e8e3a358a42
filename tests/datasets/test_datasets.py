import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree
from scipy.stats import kstest

from skdvae import datasets
from skdvae.datasets import (
    GRID_STD,
    SYNTHETIC,
    TORUS_RADII,
    betti_numbers,
    default_frey_faces_path,
    distance_to_manifold,
    gaussian_grid_centers,
    load_digits,
    load_fashion_mnist,
    load_frey_faces,
    make_circle,
    make_dataset,
    make_gaussian_grid,
    make_loop,
    make_s_curve,
    make_sphere,
    make_swiss_roll,
    make_torus,
    make_two_circles,
)

NAMES = sorted(SYNTHETIC)


# --------------------------------------------------------------------------
# Generators
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_generator_shapes_and_determinism(name):
    spec = SYNTHETIC[name]
    X, params = make_dataset(name, 50, noise=0.1, random_state=0)
    assert X.shape == (50, spec.n_features)
    assert X.dtype == np.float64
    assert len(params) == 50
    X2, params2 = make_dataset(name, 50, noise=0.1, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(params, params2)
    X3, _ = make_dataset(name, 50, noise=0.1, random_state=1)
    assert not np.array_equal(X, X3)


@pytest.mark.parametrize("name", NAMES)
def test_generator_accepts_random_state_instance(name):
    rng = np.random.RandomState(3)
    X, _ = make_dataset(name, 20, random_state=rng)
    X_ref, _ = make_dataset(name, 20, random_state=np.random.RandomState(3))
    np.testing.assert_array_equal(X, X_ref)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "gaussian_grid"])
def test_clean_samples_lie_on_manifold(name):
    X, _ = make_dataset(name, 500, random_state=0)
    assert distance_to_manifold(name, X).max() < 1e-9


def test_gaussian_grid_distances_follow_rayleigh():
    # Without extra noise a sample's distance to its centre is Rayleigh(std),
    # with mean std * sqrt(pi / 2) and standard deviation
    # std * sqrt((4 - pi) / 2); allow 5 standard errors.
    n = 4000
    X, modes = make_gaussian_grid(n, random_state=0)
    d = distance_to_manifold("gaussian_grid", X)
    se = GRID_STD * np.sqrt((4 - np.pi) / 2) / np.sqrt(n)
    assert abs(d.mean() - GRID_STD * np.sqrt(np.pi / 2)) < 5 * se
    # Neighbouring centres are 40 std apart, so every sample is nearest its own.
    nearest = cKDTree(gaussian_grid_centers()).query(X)[1]
    np.testing.assert_array_equal(nearest, modes)
    assert set(np.unique(modes)) == set(range(25))


def test_noise_moves_points_off_the_circle_by_the_expected_amount():
    # For noise << radius the distance is |radial component| of the noise,
    # a half-normal with mean noise * sqrt(2 / pi); the curvature correction
    # is O(noise^2) = 1e-4, the standard error noise * 0.6 / sqrt(n) < 1e-4.
    noise, n = 0.01, 20000
    X, _ = make_circle(n, noise=noise, random_state=0)
    d = distance_to_manifold("circle", X)
    assert d.mean() == pytest.approx(noise * np.sqrt(2 / np.pi), rel=0.03)


def test_params_reproduce_points():
    X, s = make_loop(30, random_state=0)
    np.testing.assert_allclose(X, np.c_[np.cos(s), np.sin(2 * s), np.sin(3 * s)])
    X, s = make_circle(30, random_state=0)
    np.testing.assert_allclose(X, np.c_[np.cos(s), np.sin(s)])
    X, p = make_sphere(30, random_state=0)
    theta, phi = p.T
    np.testing.assert_allclose(X[:, 2], np.cos(theta))
    np.testing.assert_allclose(np.arctan2(X[:, 1], X[:, 0]) % (2 * np.pi), phi)
    R, r = TORUS_RADII
    X, p = make_torus(30, random_state=0)
    ring = R + r * np.cos(p[:, 0])
    np.testing.assert_allclose(
        X, np.c_[ring * np.cos(p[:, 1]), ring * np.sin(p[:, 1]), r * np.sin(p[:, 0])]
    )
    X, p = make_swiss_roll(30, random_state=0)
    t = p[:, 0]
    np.testing.assert_allclose(X, np.c_[t * np.cos(t), p[:, 1], t * np.sin(t)])
    assert t.min() >= 1.5 * np.pi and t.max() <= 4.5 * np.pi
    X, p = make_s_curve(30, random_state=0)
    t = p[:, 0]
    np.testing.assert_allclose(
        X, np.c_[np.sin(t), p[:, 1], np.sign(t) * (np.cos(t) - 1)]
    )
    X, labels = make_two_circles(31, random_state=0)
    np.testing.assert_array_equal(labels, (X[:, 0] > 0).astype(int))
    assert np.bincount(labels).tolist() == [15, 16]


def test_sphere_is_uniform():
    # Archimedes: the height of a uniform point on S^2 is uniform on [-1, 1]
    # (a uniform polar angle would fail this at n = 5000).
    X, _ = make_sphere(5000, random_state=0)
    assert kstest(X[:, 2], "uniform", args=(-1, 2)).pvalue > 0.01


def test_torus_is_uniform_in_area():
    # The area element is proportional to R + r cos(theta), so the outer half
    # (cos theta > 0) holds a share (pi R + 2 r) / (2 pi R) = 0.659 of the
    # area, against 0.5 for a uniform theta. 4 standard errors at n = 20000.
    n = 20000
    R, r = TORUS_RADII
    _, params = make_torus(n, random_state=0)
    share = np.mean(np.cos(params[:, 0]) > 0)
    expected = (np.pi * R + 2 * r) / (2 * np.pi * R)
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / n)


def test_two_circles_are_separated():
    X, labels = make_two_circles(400, random_state=0)
    gap = cKDTree(X[labels == 0]).query(X[labels == 1])[0].min()
    # Unit circles with centres 6 apart: any two points are at least 4 apart.
    assert gap >= 4 - 1e-12


@pytest.mark.parametrize("bad", [0, -3])
def test_generators_reject_bad_n_samples(bad):
    with pytest.raises(ValueError, match="n_samples"):
        make_circle(bad)
    with pytest.raises(TypeError, match="n_samples"):
        make_circle(10.0)


def test_generators_reject_negative_noise():
    with pytest.raises(ValueError, match="noise"):
        make_torus(10, noise=-0.1)
    with pytest.raises(ValueError, match="noise"):
        make_torus(10, noise=np.nan)


# --------------------------------------------------------------------------
# Ground truth: Betti numbers and distances
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, betti",
    [
        ("loop", (1, 1)),
        ("circle", (1, 1)),
        ("sphere", (1, 0, 1)),
        ("torus", (1, 2, 1)),
        ("swiss_roll", (1, 0)),
        ("s_curve", (1, 0)),
        ("two_circles", (2, 2)),
        ("gaussian_grid", (25, 0)),
    ],
)
def test_betti_numbers_registry(name, betti):
    assert betti_numbers(name) == betti


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="Unknown dataset 'moebius'"):
        betti_numbers("moebius")
    with pytest.raises(ValueError, match="Unknown dataset"):
        make_dataset("moebius", 10)


def test_distance_wrong_number_of_features():
    with pytest.raises(ValueError, match="lives in R\\^3"):
        distance_to_manifold("torus", np.zeros((4, 2)))


def test_analytic_distances():
    R, r = TORUS_RADII
    np.testing.assert_allclose(
        distance_to_manifold("torus", [[0, 0, 0], [R, 0, 0], [0, R + r + 1, 0]]),
        [R - r, r, 1.0],
    )
    np.testing.assert_allclose(distance_to_manifold("sphere", [[0, 0, 0]]), [1.0])
    np.testing.assert_allclose(distance_to_manifold("circle", [[3, 4]]), [4.0])
    np.testing.assert_allclose(
        distance_to_manifold("two_circles", [[0, 0], [3, 0]]), [2.0, 1.0]
    )
    np.testing.assert_allclose(
        distance_to_manifold("gaussian_grid", [[1, 1], [4, -4]]), [np.sqrt(2), 0.0]
    )


def _unit_normals_2d(tangent):
    n = np.c_[-tangent[:, 1], tangent[:, 0]]
    return n / np.linalg.norm(n, axis=1, keepdims=True)


def test_loop_distance_along_normals():
    s = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    on_curve = np.c_[np.cos(s), np.sin(2 * s), np.sin(3 * s)]
    tangent = np.c_[-np.sin(s), 2 * np.cos(2 * s), 3 * np.cos(3 * s)]
    normal = np.cross(tangent, [1.0, 0.3, -0.2])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    # The loop's reach is 0.118 (its smallest radius of curvature; half its
    # shortest double-normal chord is 0.48): below it, the foot of a normal
    # is the nearest point.
    d = distance_to_manifold("loop", on_curve + 0.02 * normal)
    np.testing.assert_allclose(d, 0.02, rtol=1e-6)


def test_loop_distance_matches_brute_force():
    rng = np.random.default_rng(0)
    P = rng.uniform(-1.5, 1.5, size=(200, 3))
    t = np.linspace(0, 2 * np.pi, 400_000, endpoint=False)
    brute = cKDTree(np.c_[np.cos(t), np.sin(2 * t), np.sin(3 * t)]).query(P)[0]
    d = distance_to_manifold("loop", P)
    # Brute force overestimates by at most half the chord between grid points:
    # speed <= sqrt(1 + 4 + 9) = 3.8, step 1.6e-5, so <= 3e-5.
    assert np.all(d <= brute + 1e-12)
    assert np.all(brute - d < 3e-5)


def test_swiss_roll_distance_normals_and_edges():
    t = np.linspace(1.6 * np.pi, 4.4 * np.pi, 40)
    curve = np.c_[t * np.cos(t), t * np.sin(t)]
    normal = _unit_normals_2d(
        np.c_[np.cos(t) - t * np.sin(t), np.sin(t) + t * np.cos(t)]
    )
    # 0.5 is below the radius of curvature (> 5) and the arm gap (2 pi).
    xz = curve + 0.5 * normal
    X = np.c_[xz[:, 0], np.full(40, 10.0), xz[:, 1]]
    np.testing.assert_allclose(distance_to_manifold("swiss_roll", X), 0.5, rtol=1e-9)
    # Above the top edge (height 21) and off the normal: Pythagoras.
    X[:, 1] = 21.0 + 1.2
    np.testing.assert_allclose(distance_to_manifold("swiss_roll", X), 1.3, rtol=1e-9)


def test_s_curve_distance_normals():
    t = np.linspace(-1.4 * np.pi, 1.4 * np.pi, 41)
    t = t[np.abs(t) > 0.05]  # the curve's two arcs meet at t = 0
    curve = np.c_[np.sin(t), np.sign(t) * (np.cos(t) - 1)]
    tangent = np.c_[np.cos(t), -np.sign(t) * np.sin(t)]
    # Each arc is a unit circle arc: 0.1 is well inside its radius.
    xz = curve + 0.1 * _unit_normals_2d(tangent)
    X = np.c_[xz[:, 0], np.full(len(t), 1.0), xz[:, 1]]
    np.testing.assert_allclose(distance_to_manifold("s_curve", X), 0.1, rtol=1e-9)


# --------------------------------------------------------------------------
# Real data loaders
# --------------------------------------------------------------------------
def test_load_digits():
    X, y = load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.dtype == np.float64
    assert X.min() == 0.0 and X.max() == 1.0


def test_default_frey_faces_path():
    path = default_frey_faces_path()
    assert path.parts[-3:] == ("shared", "data", "frey_rawface.mat")
    # <checkout>/skdvae/datasets/__init__.py -> <checkout>/../shared/data
    checkout = Path(datasets.__file__).resolve().parents[2]
    assert path.parents[2] == checkout.parent


def test_load_frey_faces_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="frey_rawface.mat"):
        load_frey_faces(tmp_path / "frey_rawface.mat")


def test_load_frey_faces():
    path = default_frey_faces_path()
    if not path.is_file():
        pytest.skip(f"Frey faces not available at {path}")
    X = load_frey_faces()
    assert X.shape == (1965, 560)
    assert X.dtype == np.float64
    assert 0.0 <= X.min() < X.max() <= 1.0
    assert X.reshape(-1, 28, 20).shape == (1965, 28, 20)


def _write_idx(path, array, type_code):
    dims = struct.pack(f">{array.ndim}I", *array.shape)
    header = bytes([0, 0, type_code, array.ndim]) + dims
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def _fake_fashion(directory, n_train=5, n_test=3):
    rng = np.random.default_rng(0)
    for prefix, n in [("train", n_train), ("t10k", n_test)]:
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        _write_idx(directory / f"{prefix}-images-idx3-ubyte.gz", images, 0x08)
        _write_idx(directory / f"{prefix}-labels-idx1-ubyte.gz", labels, 0x08)
    return images, labels


def test_idx_parser_reads_big_endian_types(tmp_path):
    data = np.arange(-6, 6, dtype=">i4").reshape(3, 4)
    _write_idx(tmp_path / "a.idx.gz", data, 0x0C)
    np.testing.assert_array_equal(datasets._read_idx(tmp_path / "a.idx.gz"), data)


def test_idx_parser_rejects_bad_files(tmp_path):
    with gzip.open(tmp_path / "bad.gz", "wb") as f:
        f.write(b"\x01\x02\x08\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets._read_idx(tmp_path / "bad.gz")
    _write_idx(tmp_path / "short.gz", np.zeros(4, dtype=np.uint8), 0x08)
    with gzip.open(tmp_path / "short.gz", "rb") as f:
        content = f.read()
    with gzip.open(tmp_path / "short.gz", "wb") as f:
        f.write(content[:-1])
    with pytest.raises(ValueError, match="truncated"):
        datasets._read_idx(tmp_path / "short.gz")


def test_load_fashion_mnist_from_directory(tmp_path):
    test_images, test_labels = _fake_fashion(tmp_path)
    X, y = load_fashion_mnist(tmp_path, kind="test")
    assert X.shape == (3, 784) and X.dtype == np.float64
    np.testing.assert_allclose(X * 255, test_images.reshape(3, -1))
    np.testing.assert_array_equal(y, test_labels)
    X, y = load_fashion_mnist(tmp_path, kind="all", dtype=np.float32)
    assert X.shape == (8, 784) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(y[5:], test_labels)
    assert load_fashion_mnist(tmp_path)[0].shape == (5, 784)


def test_load_fashion_mnist_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion"):
        load_fashion_mnist(tmp_path)
    with pytest.raises(ValueError, match="kind"):
        load_fashion_mnist(tmp_path, kind="validation")


def test_load_fashion_mnist_installed():
    directory = datasets.FASHION_MNIST_DIRECTORY
    if not (directory / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip(f"dataset-fashion-mnist not installed in {directory}")
    X, y = load_fashion_mnist(kind="test")
    assert X.shape == (10000, 784)
    assert X.min() == 0.0 and X.max() == 1.0
    # The Fashion-MNIST test set is balanced: 1000 images per class.
    assert np.bincount(y).tolist() == [1000] * 10
