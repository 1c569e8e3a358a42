"""Conventions shared by the encoder and the decoder of model files.

A value becomes a JSON node: ``None``, booleans, ints, finite floats and
strings stay as they are, lists become JSON lists, and everything else is an
object whose ``"__type__"`` tag says how to read it. This module holds the
tables both sides agree on (array kinds, sparse classes, numeric dtypes,
special floats), the field check of a node, and :class:`ClassCodec`, the base
of the codecs that rebuild objects of a fixed list of classes.
"""

import math
import re

from scipy import sparse

from skdvae.persistence._errors import ModelFileError

__all__ = [
    "ARRAY_KINDS",
    "DTYPE",
    "SPARSE_BY_NAME",
    "SPARSE_BY_TYPE",
    "SPECIAL_FLOATS",
    "ClassCodec",
    "fields",
    "qualified_name",
]

ARRAY_KINDS = "biufcUSMm"
# Sparse formats stored by their components.
_SPARSE = {
    (sparse.csr_matrix, "csr_matrix"),
    (sparse.csc_matrix, "csc_matrix"),
    (sparse.csr_array, "csr_array"),
    (sparse.csc_array, "csc_array"),
}
SPARSE_BY_NAME = {name: cls for cls, name in _SPARSE}
SPARSE_BY_TYPE = dict(_SPARSE)
# Numeric dtypes of at most 8 bytes (16 for complex), as ``dtype.str``.
DTYPE = re.compile(r"[<>|=]?([biuf][1248]|c(8|16))")
SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def qualified_name(obj):
    """``module.QualName`` of a class or function."""
    return f"{obj.__module__}.{obj.__qualname__}"


def fields(node, names, path):
    """The values of ``names`` in ``node``, which must hold exactly those keys."""
    if not isinstance(node, dict) or set(node) != {"__type__", *names}:
        found = sorted(node) if isinstance(node, dict) else type(node).__name__
        raise ModelFileError(
            f"{path}: malformed entry; expected the keys {sorted(names)}, "
            f"found {found}."
        )
    return [node[name] for name in names]


class ClassCodec:
    """Base of the codecs that rebuild objects of a fixed list of classes.

    Parameters
    ----------
    classes : sequence of type
        The classes; objects are matched by exact type, never subclasses.
    """

    tag = None

    def __init__(self, classes):
        self.types = tuple(classes)
        self.classes = {qualified_name(cls): cls for cls in classes}

    def node(self, obj, **content):
        """A node of this codec's tag naming the class of ``obj``."""
        return {"__type__": self.tag, "class": qualified_name(type(obj)), **content}

    def lookup(self, name, path):
        """The listed class called ``name``, or a :class:`ModelFileError`."""
        if type(name) is not str or name not in self.classes:
            raise ModelFileError(
                f"{path}: the file names the class {name!r}, which is not one of "
                f"those skdvae's safe format rebuilds here ({sorted(self.classes)}); "
                "the file was altered or written by other software. Refusing to "
                "load it."
            )
        return self.classes[name]
