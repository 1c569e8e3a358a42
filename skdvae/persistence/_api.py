"""The public functions :func:`save` and :func:`load`."""

import platform
import warnings

import numpy as np
import scipy
import sklearn
import skorch
import torch
from sklearn.utils.validation import check_is_fitted

from skdvae.exceptions import _user_stacklevel
from skdvae.persistence._archive import read_archive, write_archive
from skdvae.persistence._decoder import Decoder
from skdvae.persistence._encoder import Encoder
from skdvae.persistence._errors import (
    ModelFileError,
    VersionMismatchError,
    VersionMismatchWarning,
)
from skdvae.persistence._nodes import qualified_name
from skdvae.persistence._registry import (
    CODECS_BY_TAG,
    CODECS_BY_TYPE,
    ESTIMATORS,
    REFERENCES,
)

__all__ = ["FORMAT_VERSION", "load", "save"]

FORMAT_NAME = "skdvae-model"
#: Version of the file layout; a reader accepts exactly its own version.
FORMAT_VERSION = 1
_HEADER = ["format", "format_version", "skdvae_version", "environment", "estimator"]


def _skdvae_version():
    # Read at call time: skdvae/__init__.py imports this package first.
    import skdvae

    return skdvae.__version__


def save(estimator, path):
    """Save a fitted estimator in skdvae's safe format.

    The file is a zip archive holding a JSON manifest (skdvae version, the
    estimator's class, its parameters and the layout of its fitted state),
    the numpy arrays (``.npz``) and the torch weights (safetensors). Loading
    it with :func:`load` executes nothing from the file, unlike pickle. Fitted
    helper objects are stored by their data and rebuilt on load: neighbour
    indices are refitted on their stored points, networks are rebuilt and
    their weights loaded. Read more in ``docs/persistence.md``.

    Parameters
    ----------
    estimator : DiffusionMap or DiffusionVAE
        A fitted estimator.
    path : str or os.PathLike
        Destination file (by convention ending in ``.skdvae``). It is written
        atomically: an interrupted save leaves any existing file unchanged.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    UnsupportedTypeError
        If a parameter or fitted attribute holds a type the format does not
        store, such as a ``RandomState`` instance as ``random_state``, an
        estimator object as ``neighbors``, or the approximate neighbour index
        of a DiffusionMap fitted with ``neighbors="approximate"``. The
        message names the attribute and what to do; nothing is written.

    See Also
    --------
    load : Load a file written by this function.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import skdvae
    >>> X = np.random.RandomState(0).normal(size=(60, 3))
    >>> dm = skdvae.DiffusionMap(n_neighbors=10, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skdvae")
    >>> skdvae.save(dm, path)
    >>> loaded = skdvae.load(path)
    >>> bool(np.array_equal(loaded.transform(X), dm.transform(X)))
    True
    """
    if type(estimator) not in ESTIMATORS:
        raise TypeError(
            "skdvae.save stores DiffusionMap and DiffusionVAE estimators, got "
            f"{qualified_name(type(estimator))}. Use pickle or joblib for other "
            "objects (and load such files only from sources you trust)."
        )
    check_is_fitted(estimator)
    encoder = Encoder(CODECS_BY_TYPE, REFERENCES)
    node = encoder.encode(estimator, type(estimator).__name__)
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "skdvae_version": _skdvae_version(),
        "environment": _environment(),
        "estimator": node,
    }
    write_archive(path, manifest, encoder.arrays, encoder.tensors)


def _environment():
    """Library versions at save time (recorded for diagnosis, not checked)."""
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": torch.__version__,
        "skorch": skorch.__version__,
    }


def load(path, *, allow_version_mismatch=False):
    """Load an estimator saved by :func:`save`, executing nothing from the file.

    The manifest is read as JSON, arrays with ``numpy.load(...,
    allow_pickle=False)`` and tensors with safetensors. Classes are rebuilt
    only from a fixed list (skdvae's estimators and their fitted helpers);
    parameters go back through the estimator's constructor and are validated.
    A file that names any other class or function, or whose content does not
    match the format, is refused.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save`.
    allow_version_mismatch : bool, default=False
        Load a file saved by another skdvae version, with a
        :class:`VersionMismatchWarning`, instead of raising. Its results may
        differ from those of the version that saved it; refitting is safer.

    Returns
    -------
    estimator : DiffusionMap or DiffusionVAE
        The fitted estimator. Its ``transform``, ``inverse_transform``,
        ``sample`` (with the same ``random_state``) and ``score`` give results
        identical to the saved estimator's, in any process, with the same
        skdvae version and libraries on the same platform.

    Raises
    ------
    VersionMismatchError
        If the file was saved by another skdvae version and
        ``allow_version_mismatch`` is False. Both versions are named.
    ModelFileError
        If the file is not an skdvae model file, uses another format version,
        was altered, or names a class or function outside the allowed list.

    See Also
    --------
    save : Write a model file.
    """
    manifest, arrays, tensors = read_archive(path)
    _check_header(manifest, path, allow_version_mismatch)
    decoder = Decoder(CODECS_BY_TAG, REFERENCES, arrays, tensors)
    estimator = decoder.decode(manifest["estimator"], "estimator")
    if type(estimator) not in ESTIMATORS:
        raise ModelFileError(
            f"{path!r} holds a {type(estimator).__name__}, not an estimator."
        )
    decoder.check_all_used()
    return estimator


def _check_header(manifest, path, allow_version_mismatch):
    """Raise unless the manifest is of this format, version and skdvae release."""
    if manifest.get("format") != FORMAT_NAME or set(manifest) != set(_HEADER):
        raise ModelFileError(
            f"{path!r} is not an skdvae model file: its manifest lacks the "
            f"{FORMAT_NAME!r} header."
        )
    saved, current = manifest["skdvae_version"], _skdvae_version()
    if manifest["format_version"] != FORMAT_VERSION:
        raise ModelFileError(
            f"{path!r} uses model file format {manifest['format_version']!r} "
            f"(written by skdvae {saved!r}); skdvae {current} reads format "
            f"{FORMAT_VERSION} only. Load it with the skdvae version that wrote "
            "it, or refit the model."
        )
    if saved == current:
        return
    message = (
        f"{path!r} was saved by skdvae {saved!r}; this is skdvae {current}. "
        "A model from another version may give different results or fail."
    )
    if not allow_version_mismatch:
        raise VersionMismatchError(
            f"{message} Refit it, or load it with skdvae {saved!r}, or pass "
            "allow_version_mismatch=True to load it anyway."
        )
    warnings.warn(
        f"{message} Loaded because allow_version_mismatch=True.",
        VersionMismatchWarning,
        stacklevel=_user_stacklevel(),
    )
