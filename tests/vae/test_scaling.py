import tracemalloc

import numpy as np
import pytest

from skdvae.vae._scaling import fit_data_scale, from_model_units, to_model_units


def _data(dtype, n=4000, p=1000):
    rng = np.random.default_rng(0)
    return (rng.normal(size=(n, p)) * 3.0 + 7.0).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_units_match_the_whole_array_formulas(dtype):
    X = _data(dtype, n=700, p=3000)  # several blocks of rows
    mean, scale = fit_data_scale(X)
    X64 = X.astype(np.float64)
    np.testing.assert_allclose(mean, X64.mean(axis=0), rtol=1e-12)
    assert scale == pytest.approx(np.sqrt(np.mean((X64 - X64.mean(0)) ** 2)), 1e-12)
    Z = to_model_units(X, mean, scale)
    assert Z.dtype == dtype
    np.testing.assert_array_equal(Z, ((X64 - mean) / scale).astype(dtype))
    back = from_model_units(Z, mean, scale)
    assert back.dtype == dtype
    np.testing.assert_array_equal(back, (Z * scale + mean).astype(dtype))


def test_float32_data_is_never_copied_whole_in_float64():
    X = _data(np.float32)  # 15.3 MiB; a float64 copy would take 30.5 MiB
    for convert in (
        fit_data_scale,
        lambda A: to_model_units(A, *fit_data_scale(A)),
        lambda A: from_model_units(A, 1.0, 2.0),
    ):
        tracemalloc.start()
        convert(X)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        # At most the output and one block of temporaries.
        assert peak < 2 * X.nbytes
