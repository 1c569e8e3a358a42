"""skdvae.utils._torch: inference whose rows do not depend on their batch."""

import numpy as np
import pytest
import torch

from skdvae.utils import _torch
from skdvae.utils._torch import ROW_QUANTUM, pad_rows, predict


def _mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(20, 512),
        torch.nn.SiLU(),
        torch.nn.Linear(512, 512),
        torch.nn.SiLU(),
        torch.nn.Linear(512, 8),
    )


def test_pad_rows_repeats_the_last_row_up_to_the_quantum():
    batch = torch.arange(12.0).reshape(6, 2)
    padded = pad_rows(batch)
    assert padded.shape == (ROW_QUANTUM, 2)
    assert torch.equal(padded[:6], batch)
    assert torch.equal(padded[6:], batch[-1:].expand(ROW_QUANTUM - 6, 2))
    assert pad_rows(batch[:0]).shape == (0, 2)
    full = torch.zeros(ROW_QUANTUM, 3)
    assert pad_rows(full) is full


@pytest.mark.parametrize("block", [1, 7, 170, 250, 333])
def test_predict_rows_do_not_depend_on_the_batch(monkeypatch, block):
    X = np.random.RandomState(0).standard_normal((1000, 20))
    module = _mlp()
    whole = predict(module, X)
    monkeypatch.setattr(_torch, "INFERENCE_BATCH", block)
    np.testing.assert_array_equal(predict(module, X), whole)
    pieces = [predict(module, X[i : i + block]) for i in range(0, len(X), block)]
    np.testing.assert_array_equal(np.concatenate(pieces), whole)
