import pickle

import numpy as np
import pytest
import torch

from skdvae.vae._modules import (
    MLP,
    CovarianceHead,
    Decoder,
    EncoderMean,
    OrthonormLayer,
    SpectralNetModule,
    TransitionModule,
)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_mlp_shapes():
    torch.manual_seed(0)
    net = MLP(5, (8, 4), 3)
    assert net(torch.zeros(7, 5)).shape == (7, 3)
    linear = MLP(5, (), 2)
    assert len(linear.layers) == 1


def test_encoder_affine_maps():
    enc = EncoderMean(3, 2, (8,))
    x = torch.randn(10, 3, generator=_gen())
    feats = enc.features(x)
    enc.set_input_scaling(torch.ones(3), 2.0)
    enc.set_output_affine(
        torch.tensor([[0.0, 2.0], [1.0, 0.0]]), torch.tensor([1.0, -1.0])
    )
    out = enc(2.0 * x + 1.0)
    expected = feats @ torch.tensor([[0.0, 2.0], [1.0, 0.0]]) + torch.tensor(
        [1.0, -1.0]
    )
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("dim", [1, 2, 5])
def test_covariance_head_positive_definite(dim):
    head = CovarianceHead(4, dim, (16,), min_diagonal=1e-3)
    head.set_output_scale(0.5)
    # Large inputs push the raw diagonal far negative for some rows: the floor holds.
    extreme = head(50.0 * torch.randn(64, 4, generator=_gen(1)))
    diag = torch.diagonal(extreme, dim1=-2, dim2=-1)
    assert torch.all(diag >= 0.5 * 1e-3 * (1 - 1e-6))
    chol = head(3.0 * torch.randn(64, 4, generator=_gen(1)))
    assert chol.shape == (64, dim, dim)
    assert torch.all(torch.triu(chol, diagonal=1) == 0)
    chol = chol.double()
    cov = chol @ chol.transpose(-1, -2)
    torch.testing.assert_close(cov, cov.transpose(-1, -2))
    eig = torch.linalg.eigvalsh(cov)
    assert torch.all(eig > 0)


def test_covariance_head_unit_init_scale():
    # raw = 0 maps to a unit diagonal (before the floor), times out_scale.
    head = CovarianceHead(2, 3, (4,), min_diagonal=0.0)
    for p in head.parameters():
        torch.nn.init.zeros_(p)
    head.set_output_scale(0.25)
    chol = head(torch.zeros(2, 2))
    torch.testing.assert_close(chol[0], 0.25 * torch.eye(3))


def test_covariance_head_gradients_flow():
    head = CovarianceHead(3, 2, (8,))
    chol = head(torch.randn(5, 3, generator=_gen()))
    chol.sum().backward()
    assert all(
        p.grad is not None and torch.isfinite(p.grad).all() for p in head.parameters()
    )


def test_decoder_output_scaling_and_noise_param():
    dec = Decoder(2, 3, (8,))
    z = torch.randn(4, 2, generator=_gen())
    base = dec(z)
    dec.set_output_scaling(torch.tensor([1.0, 2.0, 3.0]), 10.0)
    torch.testing.assert_close(dec(z), torch.tensor([1.0, 2.0, 3.0]) + 10.0 * base)
    assert dec.log_noise_var.requires_grad


@pytest.mark.parametrize("weighted", [False, True])
def test_orthonorm_layer_whitens_training_batch(weighted):
    layer = OrthonormLayer(3, jitter=1e-12).train()
    g = _gen(2)
    h = (
        torch.randn(200, 3, generator=g, dtype=torch.float64)
        @ torch.tensor(
            [[2.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 0.2]], dtype=torch.float64
        )
        + 5.0
    )
    layer = layer.double()
    w = torch.rand(200, generator=g, dtype=torch.float64) + 0.5 if weighted else None
    y = layer(h, w)
    p = torch.ones(200, dtype=torch.float64) if w is None else w
    p = p / p.sum()
    torch.testing.assert_close(
        p @ y, torch.zeros(3, dtype=torch.float64), atol=1e-10, rtol=0
    )
    cov = y.T @ (y * p[:, None])
    torch.testing.assert_close(
        cov, torch.eye(3, dtype=torch.float64), atol=1e-9, rtol=0
    )


def test_orthonorm_layer_float32_default_jitter():
    h = (
        torch.randn(500, 4, generator=_gen(7)) * torch.tensor([3.0, 1.0, 0.5, 0.1])
        - 2.0
    )
    y = OrthonormLayer(4).train()(h)
    torch.testing.assert_close(y.T @ y / 500, torch.eye(4), atol=1e-3, rtol=0)


def test_orthonorm_layer_eval_reuses_stored_map():
    layer = OrthonormLayer(2)
    h = torch.randn(50, 2, generator=_gen(3))
    y_train, extra = layer.train()(h, apply_to=h[:5])
    torch.testing.assert_close(extra, y_train[:5])
    y_eval = layer.eval()(h)
    torch.testing.assert_close(y_eval, y_train)
    # A different batch in eval mode is mapped with the stored map, not re-whitened.
    y_other = layer(2.0 * h)
    assert not torch.allclose(y_other.T @ y_other / 50, torch.eye(2), atol=1e-2)


def test_spectralnet_module_shapes():
    module = SpectralNetModule(3, 2, (8,)).train()
    g = _gen(4)
    x = torch.randn(16, 3, generator=g)
    nbrs = torch.randn(16, 5, 3, generator=g)
    y, y_nbrs = module(x, nbrs, torch.ones(16, 5), torch.ones(16))
    assert y.shape == (16, 2) and y_nbrs.shape == (16, 5, 2)


def test_transition_module_reparameterisation():
    module = TransitionModule(3, 2, (8,))
    g = _gen(5)
    x, target = torch.randn(6, 3, generator=g), torch.randn(6, 3, generator=g)
    mu = torch.randn(6, 2, generator=g)
    z, chol, x_hat, realised, detail_kl = module(
        x, mu, torch.zeros(6, 2), lambda z: target
    )
    torch.testing.assert_close(z, mu)
    assert realised is target
    torch.testing.assert_close(x_hat, module.decoder(z))
    eps = torch.randn(6, 2, generator=g)
    z, chol, x_hat, _, _ = module(x, mu, eps, lambda z: target)
    torch.testing.assert_close(z, mu + torch.einsum("bij,bj->bi", chol, eps))
    assert x_hat.shape == (6, 3) and module.n_detail == 0
    torch.testing.assert_close(detail_kl, torch.zeros(6))
    torch.testing.assert_close(module.generate(z), module.decoder(z))


def test_transition_module_with_detail_coordinates():
    module = TransitionModule(
        3, 2, (8,), decoder_hidden_layer_sizes=(16, 16), n_detail=4
    )
    g = _gen(6)
    x, target = torch.randn(6, 3, generator=g), torch.randn(6, 3, generator=g)
    mu, eps = torch.randn(6, 2, generator=g), torch.randn(6, 6, generator=g)
    z, chol, x_hat, _, detail_kl = module(x, mu, eps, lambda z: target)
    assert module.n_detail == 4 and x_hat.shape == (6, 3)
    assert torch.all(detail_kl >= 0)
    widths = [m.out_features for m in module.decoder.body.layers[::2]]
    assert widths == [16, 16, 3] and module.decoder.body.layers[0].in_features == 6
    # The step uses the first D noise columns, the detail draw the rest.
    torch.testing.assert_close(z, module.step(x, mu, eps[:, :2])[0])
    # Decoding at the prior mean is deterministic; a draw differs from it.
    torch.testing.assert_close(module.generate(z), module.generate(z))
    assert not torch.allclose(module.generate(z, torch.ones(6, 4)), module.generate(z))
    x_rec, kl = module.reconstruct(target, z)
    mean_q, _ = module.detail.posterior(target, z)
    torch.testing.assert_close(x_rec, module.decoder(z, mean_q))
    assert kl.shape == (6,)


def test_modules_pickle_round_trip():
    enc = EncoderMean(3, 2, (8,))
    enc.set_output_affine(3.0 * torch.eye(2), torch.ones(2))
    head = CovarianceHead(3, 2, (8,))
    x = torch.randn(4, 3, generator=_gen())
    enc2, head2 = pickle.loads(pickle.dumps((enc, head)))
    torch.testing.assert_close(enc2(x), enc(x), rtol=0, atol=0)
    torch.testing.assert_close(head2(x), head(x), rtol=0, atol=0)
    np.testing.assert_array_equal(head2.tril_rows.numpy(), head.tril_rows.numpy())
