"""Errors and warnings of :mod:`skdvae.persistence`."""

__all__ = [
    "ModelFileError",
    "UnsupportedTypeError",
    "VersionMismatchError",
    "VersionMismatchWarning",
]


class UnsupportedTypeError(TypeError):
    """An estimator holds a value that the safe format does not store.

    Raised by :func:`skdvae.save` before anything is written. The message
    names where the value sits (for example
    ``DiffusionMap.params.random_state``) and what to do instead.
    """


class ModelFileError(ValueError):
    """A file is not a valid skdvae model file, or names a type not allowed.

    Raised by :func:`skdvae.load` for a file that is not in the format, that
    was altered, or that names a class or function outside the small list of
    types the safe format rebuilds. Nothing from such a file is executed.
    """


class VersionMismatchError(ModelFileError):
    """The file was saved by another skdvae version.

    Pass ``allow_version_mismatch=True`` to :func:`skdvae.load` to load it
    anyway (with a :class:`VersionMismatchWarning`).
    """


class VersionMismatchWarning(UserWarning):
    """A model saved by another skdvae version was loaded on request."""
