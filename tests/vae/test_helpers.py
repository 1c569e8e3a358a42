import numpy as np
import pytest
import torch
from scipy import sparse

from skdvae.vae._latent_search import LatentSearch, use_latent_search
from skdvae.vae._nets import BatchDataset, StopOnNonFinite
from skdvae.vae._prior import local_covariances
from skdvae.vae._spectralnet import padded_rows, rayleigh_ritz
from skdvae.vae._stages import training_kernel


# ------------------------------------------------------- latent geometry
def test_local_covariance_is_centred_on_the_point():
    E = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    cov = local_covariances(E[:1] + 1.0, np.array([[1, 2]]), E)
    # Neighbours (1, 0) and (3, 0) around (1, 1): offsets (0, -1) and (2, -1).
    np.testing.assert_allclose(cov[0], [[2.0, -1.0], [-1.0, 1.0]])


@pytest.mark.parametrize("dim", [2, 8])
def test_latent_search_is_exact(dim):
    g = torch.Generator().manual_seed(5)
    ref = torch.randn(300, dim, generator=g, dtype=torch.float64)
    query = torch.randn(40, dim, generator=g, dtype=torch.float64)
    expected = torch.cdist(query, ref).argsort(1)[:, :2]
    torch.testing.assert_close(LatentSearch(ref.numpy(), 2)(query), expected)


def test_latent_search_leaves_non_finite_steps_to_the_loss():
    ref = np.random.default_rng(0).normal(size=(50, 2))
    z = torch.tensor([[0.0, float("nan")], [0.0, 0.0], [float("inf"), 1.0]])
    index = LatentSearch(ref, 1)(z)
    assert index[0, 0] == 0 and index[2, 0] == 0
    assert index[1, 0] == np.argmin(np.linalg.norm(ref, axis=1))


def test_latent_search_only_where_it_is_faster():
    assert use_latent_search("cpu", 60_000, 2)
    assert use_latent_search("cpu", 5000, 4) and use_latent_search("cpu", 20_000, 8)
    assert not use_latent_search("cpu", 60_000, 12)  # trees degrade with D
    assert not use_latent_search("cpu", 5000, 8)
    assert not use_latent_search("cpu", 500, 2)  # brute force is as fast
    assert not use_latent_search("meta", 60_000, 2)  # accelerators: brute force


def test_rayleigh_ritz_recovers_exact_eigenpairs():
    s = np.linspace(0, 2 * np.pi, 300, endpoint=False)
    X = np.column_stack([np.cos(s), np.sin(s)])
    K, d = training_kernel(X, 10, 1.0)
    S = sparse.diags(d**-0.5) @ K @ sparse.diags(d**-0.5)
    values, vectors = np.linalg.eigh(S.toarray())
    psi = vectors[:, ::-1][:, 1:3] / np.sqrt(d)[:, None]
    mix = np.array([[2.0, 1.0], [-1.0, 3.0]])
    H = psi @ mix + 5.0  # any affine image of the eigenvectors
    matrix, shift, eig = rayleigh_ritz(H, K, d, t=1.0)
    np.testing.assert_allclose(eig, values[::-1][1:3], rtol=1e-8)
    Z = H @ matrix + shift
    pi = d / d.sum()
    np.testing.assert_allclose((Z**2 * pi[:, None]).sum(0), eig**2, rtol=1e-6)


def test_padded_rows_round_trip():
    K = sparse.csr_matrix(np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 3.0], [0.0, 4.0, 0.0]]))
    index, weight = padded_rows(K)
    dense = np.zeros((3, 3))
    np.add.at(
        dense, (np.repeat(np.arange(3), index.shape[1]), index.ravel()), weight.ravel()
    )
    np.testing.assert_array_equal(dense, K.toarray())


# ------------------------------------------------------------ skorch glue
def test_batch_dataset_returns_whole_batches_with_seeded_noise():
    x = torch.arange(12.0).reshape(6, 2)
    index = torch.tensor([[1, 2], [0, 2], [0, 1], [4, 5], [3, 5], [3, 4]])
    data = BatchDataset(
        {"x": x}, y=torch.arange(6.0), neighbors=("nbrs", x, index), noise=("eps", 3, 7)
    )
    batch, y = data.__getitems__([4, 0])
    torch.testing.assert_close(batch["x"], x[[4, 0]])
    torch.testing.assert_close(batch["nbrs"], x[index[[4, 0]]])
    torch.testing.assert_close(y, torch.tensor([4.0, 0.0]))
    assert batch["eps"].shape == (2, 3)
    again = BatchDataset({"x": x}, noise=("eps", 3, 7)).__getitems__([4, 0])[0]
    torch.testing.assert_close(again["eps"], batch["eps"])
    single, _ = data[3]
    assert single["x"].shape == (2,) and single["nbrs"].shape == (2, 2)


def test_stop_on_non_finite_names_stage_and_epoch():
    class _Net:
        history = [{}, {}, {}]

    callback = StopOnNonFinite("test stage")
    callback.on_batch_end(_Net(), training=True, loss=torch.tensor(1.0))
    with pytest.raises(FloatingPointError, match="test stage.*nan at epoch 3"):
        callback.on_batch_end(_Net(), training=True, loss=torch.tensor(float("nan")))
