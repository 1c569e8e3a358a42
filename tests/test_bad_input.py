"""Bad input for both estimators: every row of ``docs/bad_input.md``, tested.

Each :class:`Case` is one row of the table in the docs page; the last test
checks that the page shows exactly the table rendered from these cases.
After changing a case, regenerate the table with
``python tests/test_bad_input.py`` and paste it between the page's markers.
"""

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from skdvae import DiffusionMap, DiffusionVAE
from skdvae.exceptions import SmallDataWarning

PAGE = Path(__file__).resolve().parents[1] / "docs" / "bad_input.md"
BEGIN, END = "<!-- table: begin -->", "<!-- table: end -->"

X = np.random.RandomState(0).rand(40, 3)
NAMES = ("DiffusionMap", "DiffusionVAE")


def _make(name):
    """Default estimators (the VAE with a short budget: outcomes do not
    depend on the number of epochs)."""
    if name == "DiffusionMap":
        return DiffusionMap(random_state=0)
    return DiffusionVAE(max_iter=3, random_state=0)


@pytest.fixture(scope="module")
def fitted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: _make(name).fit(X) for name in NAMES}


@dataclass(frozen=True)
class Raises:
    """The call raises ``error`` whose message contains ``text``."""

    error: type
    text: str

    def cell(self):
        return f"`{self.error.__name__}`: {self.text}"


@dataclass(frozen=True)
class Fits:
    """The fit succeeds, issues ``warning`` (if any), and outputs are finite."""

    note: str
    warning: type = None
    check: object = None  # an extra property of the fitted estimator

    def cell(self):
        warned = f" `{self.warning.__name__}`." if self.warning else ""
        return f"Fits.{warned} {self.note}"


@dataclass(frozen=True)
class Case:
    """One input: ``call(estimator, fitted_estimator)`` and its outcomes."""

    label: str
    call: object
    outcomes: tuple  # (DiffusionMap's, DiffusionVAE's)
    after_fit: bool = False


def _fit(data):
    return lambda est, _: est.fit(data)


def _with(X_bad, row, col, value):
    X_bad = X_bad.copy()
    X_bad[row, col] = value
    return X_bad


def _same_embedding_as(reference):
    """The diffusion coordinates equal those of the same fit on ``reference``."""

    def coordinates(est):
        dm = est if isinstance(est, DiffusionMap) else est.diffusion_map_
        return dm.embedding_

    def check(est):
        ref = coordinates(_make(type(est).__name__).fit(reference))
        np.testing.assert_allclose(coordinates(est), ref, atol=1e-8)

    return check


def _duplicates_coincide(est):
    Z = est.embedding_
    np.testing.assert_allclose(Z[40:], Z[:10], atol=1e-8)


SAME = (
    "It changes no distance: the diffusion coordinates (`diffusion_map_` for "
    "the VAE) are those of the other columns."
)
UNITS = (
    "Same embedding; transformed, decoded and sampled data in the data's "
    "units (see 'Units' below)."
)
CASES = [
    Case("NaN in `X`", _fit(_with(X, 3, 1, np.nan)),
         2 * (Raises(ValueError, "Input X contains NaN."),)),
    Case("inf in `X`", _fit(_with(X, 3, 1, np.inf)),
         2 * (Raises(ValueError, "Input X contains infinity"),)),
    Case("empty `X` (0 rows)", _fit(np.zeros((0, 3))),
         2 * (Raises(ValueError, "Found array with 0 sample(s)"),)),
    Case("one sample", _fit(X[:1]),
         2 * (Raises(ValueError, "Found array with 1 sample(s)"),)),
    Case("3 samples, `n_components=2`", _fit(X[:3]),
         2 * (Raises(ValueError, "n_components=2 needs at least 4 fitted samples"),)),
    Case("fewer samples (10) than `n_neighbors`", _fit(X[:10]),
         2 * (Fits("Every pair of samples are neighbours; `n_neighbors_` records "
                   "the number used.", SmallDataWarning),)),
    Case("a quarter of the rows duplicated", _fit(np.vstack([X, X[:10]])),
         2 * (Fits("Duplicates embed at the same point.",
                   check=_duplicates_coincide),)),
    Case("each row 10 times", _fit(np.repeat(X[:8], 10, axis=0)),
         2 * (Raises(ValueError, "The median squared neighbour distance is zero"),)),
    Case("all rows identical", _fit(np.ones((40, 3))),
         (Raises(ValueError, "All 40 samples are identical"),
          Raises(ValueError, "All 40 training samples are identical"))),
    Case("a constant column", _fit(np.c_[X, np.full(40, 5.0)]),
         2 * (Fits(SAME, check=_same_embedding_as(X)),)),
    Case("values near 1e150", _fit(X * 1e150), 2 * (Fits(UNITS),)),
    Case("values near 1e-150", _fit(X * 1e-150), 2 * (Fits(UNITS),)),
    Case("complex `X`", _fit(X + 1j),
         2 * (Raises(ValueError, "Complex data not supported"),)),
    Case("strings", _fit(np.full((40, 3), "a")),
         2 * (Raises(ValueError, "could not convert string to float"),)),
    Case("object array of numbers", _fit(X.astype(object)),
         2 * (Fits("Converted to float64."),)),
    Case("1-D `X`", _fit(X[:, 0]),
         2 * (Raises(ValueError, "Expected 2D array, got 1D array instead"),)),
    Case("sparse `X`", _fit(sp.csr_matrix(X)),
         (Fits("Distances from the sparse rows; dense outputs."),
          Raises(TypeError, "Sparse data was passed for X, but dense data is "
                            "required."))),
    Case("`transform` with 5 features (fitted on 3)",
         lambda _, f: f.transform(np.zeros((2, 5))),
         tuple(Raises(ValueError, f"X has 5 features, but {n} is expecting 3 "
                                  "features as input.") for n in NAMES),
         after_fit=True),
    Case("`transform` with NaN", lambda _, f: f.transform(_with(X, 0, 0, np.nan)),
         2 * (Raises(ValueError, "Input X contains NaN."),), after_fit=True),
    Case("`inverse_transform` of 5 latent columns (`n_components_=2`)",
         lambda _, f: f.inverse_transform(np.zeros((2, 5))),
         (Raises(ValueError, "X has 5 features, but DiffusionMap expects 2 "
                             "diffusion coordinates as input."),
          Raises(ValueError, "X has 5 features, but DiffusionVAE expects 2 latent "
                             "coordinates as input.")),
         after_fit=True),
    Case("`inverse_transform` of a 1-D latent point",
         lambda _, f: f.inverse_transform(np.zeros(2)),
         2 * (Raises(ValueError, "Expected 2D array, got 1D array instead"),),
         after_fit=True),
    Case("`transform` before `fit`", lambda e, _: e.transform(X),
         2 * (Raises(NotFittedError, "instance is not fitted yet"),)),
    Case("`sample` before `fit`", lambda e, _: e.sample(2),
         2 * (Raises(NotFittedError, "instance is not fitted yet"),)),
    *[
        Case(f"`sample({n!r})`", lambda _, f, n=n: f.sample(n),
             tuple(Raises(ValueError, f"The 'n_samples' parameter of {name}.sample "
                                      "must be an int in the range [1, inf).")
                   for name in NAMES),
             after_fit=True)
        for n in (0, -1, 2.5)
    ],
]  # fmt: skip


def _check_finite(est):
    """Fitted outputs are finite and of the right shape."""
    Z = est.transform(est.X_fit_[:5])
    assert Z.shape == (5, est.n_components_) and np.isfinite(Z).all()
    back = est.inverse_transform(Z)
    assert back.shape == (5, est.n_features_in_) and np.isfinite(back).all()
    new = est.sample(3, random_state=0)
    assert new.shape == (3, est.n_features_in_) and np.isfinite(new).all()


@pytest.mark.parametrize("position, name", enumerate(NAMES))
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_bad_input(case, position, name, fitted):
    outcome = case.outcomes[position]
    est, ref = _make(name), fitted[name]
    if isinstance(outcome, Raises):
        with pytest.raises(outcome.error) as info:
            case.call(est, ref)
        assert outcome.text in str(info.value)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = case.call(est, ref)
    # ConvergenceWarning comes from the test's short epoch budget.
    kinds = {type(w.message) for w in caught} - {ConvergenceWarning}
    if outcome.warning is not None:
        assert outcome.warning in kinds
    else:
        assert not any(issubclass(k, UserWarning) for k in kinds), kinds
    _check_finite(result)
    if outcome.check is not None:
        outcome.check(result)


@pytest.mark.parametrize("factor", [1e150, 1e-150])
@pytest.mark.parametrize("name", NAMES)
def test_units_do_not_matter(name, factor):
    """Data in other units: the same model, outputs scaled by the factor."""
    base, scaled = _make(name).fit(X), _make(name).fit(X * factor)
    np.testing.assert_allclose(
        scaled.transform(X[:5] * factor), base.transform(X[:5]), atol=1e-10
    )
    np.testing.assert_allclose(
        scaled.sample(5, random_state=1) / factor,
        base.sample(5, random_state=1),
        rtol=1e-9,
        atol=1e-12,
    )


def render_table():
    """The Markdown table of the docs page."""
    lines = ["| Input | DiffusionMap | DiffusionVAE |", "|---|---|---|"]
    for case in CASES:
        cells = [case.label, *(o.cell() for o in case.outcomes)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def test_docs_table_matches():
    text = PAGE.read_text()
    shown = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()
    assert shown == render_table(), (
        "docs/bad_input.md is out of date; regenerate its table with "
        "`python tests/test_bad_input.py`."
    )


if __name__ == "__main__":
    print(render_table())
