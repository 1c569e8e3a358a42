"""scikit-learn's estimator checks for every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdvae import DiffusionMap, DiffusionVAE

# Cheap instances: the checks fit on datasets of 10 to 100 samples.
ESTIMATORS = [
    DiffusionMap(n_neighbors=5, n_candidates=4, random_state=0),
    DiffusionMap(n_neighbors=5, component_selection="first", random_state=0),
    DiffusionVAE(
        n_neighbors=5,
        hidden_layer_sizes=(8,),
        max_iter=3,
        random_state=0,
        diffusion_map_params={"component_selection": "first"},
    ),
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
