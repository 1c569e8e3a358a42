"""Fitted estimators used from several threads at once give serial results."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from skdvae import DiffusionMap, DiffusionVAE
from skdvae.datasets import make_loop

N_THREADS, N_CALLS = 4, 12


def _calls(est, X):
    Z = est.transform(X[:40])
    return {
        "transform": lambda: est.transform(X[:40]),
        "inverse_transform": lambda: est.inverse_transform(Z),
        "sample": lambda: est.sample(20, random_state=3),
    }


@pytest.mark.parametrize(
    "est",
    [
        DiffusionMap(random_state=0),
        DiffusionMap(n_landmarks=150, random_state=0),
        DiffusionVAE(hidden_layer_sizes=(16,), max_iter=5, random_state=0),
    ],
    ids=["dm", "dm-landmarks", "vae"],
)
def test_concurrent_inference_matches_serial(est):
    X, _ = make_loop(300, random_state=0)
    est.fit(X)
    threads_before = torch.get_num_threads()
    for name, call in _calls(est, X).items():
        expected = call()
        with ThreadPoolExecutor(N_THREADS) as pool:
            results = [pool.submit(call) for _ in range(N_CALLS)]
            results = [future.result() for future in results]
        for result in results:
            np.testing.assert_array_equal(result, expected, err_msg=name)
    # The process's torch setting is restored once all threads are done.
    assert torch.get_num_threads() == threads_before
