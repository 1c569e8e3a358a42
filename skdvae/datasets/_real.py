"""Offline loaders of real data: 8 x 8 digits, Frey faces, Fashion-MNIST.

The loaders read files already on disk and never download anything; they
return pixel intensities scaled to ``[0, 1]``. Public names are re-exported
by :mod:`skdvae.datasets`.
"""

import gzip
from pathlib import Path

import numpy as np
from scipy.io import loadmat
from sklearn.datasets import load_digits as _sklearn_load_digits

__all__ = [
    "FASHION_MNIST_DIRECTORY",
    "default_frey_faces_path",
    "load_digits",
    "load_fashion_mnist",
    "load_frey_faces",
]

#: Where the Debian package ``dataset-fashion-mnist`` installs its IDX files.
FASHION_MNIST_DIRECTORY = Path("/usr/share/datasets/fashion-mnist")


def load_digits():
    """Load scikit-learn's 8 x 8 digits, scaled to ``[0, 1]``.

    Returns
    -------
    X : ndarray of shape (1797, 64), dtype float64
        Pixel intensities divided by 16.
    y : ndarray of shape (1797,)
        Digit labels 0-9.

    Examples
    --------
    >>> from skdvae.datasets import load_digits
    >>> X, y = load_digits()
    >>> X.shape, float(X.max())
    ((1797, 64), 1.0)
    """
    X, y = _sklearn_load_digits(return_X_y=True)
    return X.astype(np.float64) / 16.0, y


def default_frey_faces_path():
    """Return where the Frey faces are expected: ``../shared/data/frey_rawface.mat``.

    The path is relative to the repository root (the directory holding the
    ``skdvae`` package), i.e. a ``shared/data`` folder beside the checkout.

    Returns
    -------
    path : pathlib.Path
        The expected location; the file may not exist.
    """
    # <repo_root>/skdvae/datasets/_real.py: the repository root is parents[2].
    repo_root = Path(__file__).resolve().parents[2]
    return repo_root.parent / "shared" / "data" / "frey_rawface.mat"


def load_frey_faces(path=None):
    """Load Brendan Frey's face video frames, scaled to ``[0, 1]``.

    The file ``frey_rawface.mat`` (MATLAB variable ``ff``, 560 x 1965 uint8)
    is Brendan Frey's collection, widely redistributed for research; it is
    not shipped with skdvae. Each row of ``X`` is one 28 x 20 (height x width)
    image: view the images with ``X.reshape(-1, 28, 20)``.

    Parameters
    ----------
    path : str or path-like, default=None
        Location of ``frey_rawface.mat``; defaults to
        :func:`default_frey_faces_path`.

    Returns
    -------
    X : ndarray of shape (1965, 560), dtype float64
        Pixel intensities divided by 255.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    """
    path = default_frey_faces_path() if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"Frey faces not found at {path}. The file frey_rawface.mat (Brendan "
            "Frey's face collection, variable 'ff') is not shipped with skdvae; "
            "place it in ../shared/data/ beside the checkout or pass its path."
        )
    ff = loadmat(path)["ff"]
    return np.ascontiguousarray(ff.T, dtype=np.float64) / 255.0


_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_idx(path):
    """Read a (possibly gzipped) IDX file into an ndarray."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number).")
    dtype, ndim = _IDX_DTYPES[data[2]], data[3]
    shape = tuple(np.frombuffer(data, dtype=">u4", count=ndim, offset=4).tolist())
    offset = 4 + 4 * ndim
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - offset != expected:
        raise ValueError(
            f"{path} is truncated or corrupt: header announces shape {shape} "
            f"({expected} bytes) but {len(data) - offset} bytes follow."
        )
    return np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape)


def load_fashion_mnist(directory=None, kind="train", dtype=np.float64):
    """Load Fashion-MNIST from its four IDX gzip files, scaled to ``[0, 1]``.

    Nothing is downloaded: the files come from the Debian package
    ``dataset-fashion-mnist`` (``apt-get install dataset-fashion-mnist``) or
    from any directory holding ``train-images-idx3-ubyte.gz``,
    ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz`` and
    ``t10k-labels-idx1-ubyte.gz``.

    Parameters
    ----------
    directory : str or path-like, default=None
        Folder holding the files; defaults to :data:`FASHION_MNIST_DIRECTORY`,
        where the Debian package installs them.
    kind : {"train", "test", "all"}, default="train"
        The 60,000 training images, the 10,000 test images, or all 70,000
        (training first).
    dtype : data-type, default=np.float64
        Floating dtype of ``X``; ``np.float32`` halves the 440 MB that all
        70,000 images take in float64.

    Returns
    -------
    X : ndarray of shape (n_images, 784)
        Pixel intensities divided by 255; ``X.reshape(-1, 28, 28)`` gives the
        images.
    y : ndarray of shape (n_images,), dtype int64
        Class labels 0-9.

    Raises
    ------
    FileNotFoundError
        If a file is missing.
    """
    parts = {"train": ["train"], "test": ["t10k"], "all": ["train", "t10k"]}
    if kind not in parts:
        raise ValueError(f"kind must be 'train', 'test' or 'all', got {kind!r}.")
    directory = Path(FASHION_MNIST_DIRECTORY if directory is None else directory)
    X, y = [], []
    for prefix in parts[kind]:
        images = directory / f"{prefix}-images-idx3-ubyte.gz"
        labels = directory / f"{prefix}-labels-idx1-ubyte.gz"
        for file in (images, labels):
            if not file.is_file():
                raise FileNotFoundError(
                    f"Fashion-MNIST file {file} not found. skdvae never downloads "
                    "data: install the Debian package with `apt-get install "
                    "dataset-fashion-mnist`, or pass the directory holding the "
                    "four IDX gzip files."
                )
        img = _read_idx(images)
        X.append(img.reshape(img.shape[0], -1).astype(dtype) / 255.0)
        y.append(_read_idx(labels).astype(np.int64))
    X, y = np.concatenate(X), np.concatenate(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{X.shape[0]} images but {y.shape[0]} labels.")
    return X, y
