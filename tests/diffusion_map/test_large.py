"""Large data: the n_landmarks="auto" rule and the landmark path.

The rule switches at 100,000 samples; the tests lower the threshold
(``AUTO_LANDMARKS``) so that both sides run in seconds.
"""

import numpy as np
import pytest
from scipy.spatial import procrustes
from sklearn.datasets import make_swiss_roll

from skdvae import DiffusionMap
from skdvae.diffusion_map import _landmarks
from skdvae.diffusion_map._landmarks import AUTO_LANDMARKS, resolve_n_landmarks


@pytest.fixture(scope="module")
def roll():
    return make_swiss_roll(3000, noise=0.1, random_state=0)[0]


def test_auto_rule():
    assert resolve_n_landmarks("auto", AUTO_LANDMARKS) is None
    assert resolve_n_landmarks("auto", AUTO_LANDMARKS + 1) == AUTO_LANDMARKS
    assert resolve_n_landmarks("auto", 10**7) == AUTO_LANDMARKS
    assert resolve_n_landmarks(None, 10**7) is None
    assert resolve_n_landmarks(500, 1000) == 500


def test_auto_below_the_threshold_is_every_point(roll):
    # Up to the threshold "auto" is n_landmarks=None, bit for bit.
    auto = DiffusionMap(random_state=0).fit(roll)
    every = DiffusionMap(n_landmarks=None, random_state=0).fit(roll)
    assert auto.n_landmarks_ is None and every.n_landmarks_ is None
    np.testing.assert_array_equal(auto.embedding_, every.embedding_)
    np.testing.assert_array_equal(auto.transform(roll[:50]), every.transform(roll[:50]))


def test_auto_above_the_threshold_is_that_many_landmarks(roll, monkeypatch):
    monkeypatch.setattr(_landmarks, "AUTO_LANDMARKS", 1000)
    auto = DiffusionMap(random_state=0).fit(roll)
    fixed = DiffusionMap(n_landmarks=1000, random_state=0).fit(roll)
    assert auto.n_landmarks_ == 1000 and auto.X_fit_.shape[0] == 1000
    np.testing.assert_array_equal(auto.embedding_, fixed.embedding_)
    assert auto.embedding_.shape == (len(roll), 2)


def test_landmark_embedding_agrees_with_the_full_one(roll):
    full = DiffusionMap(n_landmarks=None, random_state=0).fit(roll)
    part = DiffusionMap(n_landmarks=1000, random_state=0).fit(roll)
    assert part.n_landmarks_ == 1000
    disparity = procrustes(full.embedding_, part.embedding_)[2]
    assert disparity < 0.02
    # The training points are embedded exactly as transform embeds them.
    np.testing.assert_allclose(
        part.transform(roll[:200]), part.embedding_[:200], rtol=0, atol=1e-12
    )


def test_n_landmarks_is_validated(roll):
    with pytest.raises(ValueError, match="n_landmarks"):
        DiffusionMap(n_landmarks="many").fit(roll)
    with pytest.raises(ValueError, match="must be at most n_samples"):
        DiffusionMap(n_landmarks=len(roll) + 1).fit(roll)
