"""The one place where skdvae imports private scikit-learn names.

Keeping them here means a scikit-learn release that moves them breaks one
module, not every estimator.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import validate_data

__all__ = [
    "HasMethods",
    "Interval",
    "StrOptions",
    "_fit_context",
    "validate_data",
    "validate_params",
]
