"""scikit-learn's estimator checks for every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdvae import DiffusionMap, DiffusionVAE

# The default-constructed estimators first: what a user gets. The checks fit
# on 10 to 100 samples, fewer than the default n_neighbors, so these also test
# the small-data path (SmallDataWarning, n_neighbors_). Then other routes,
# with short epoch budgets where the default adds nothing to the check.
ESTIMATORS = [
    DiffusionMap(),
    DiffusionVAE(),
    DiffusionMap(n_components="auto"),
    DiffusionMap(component_selection="first"),
    DiffusionVAE(encoder="spectralnet", max_iter=5),
]

# Expected failures, each with its reason. Keep this empty unless a check
# tests something the method cannot do.
EXPECTED_FAILURES = {}


@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda est: EXPECTED_FAILURES.get(type(est).__name__, {}),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
