"""Pre-images: from diffusion coordinates back to data space.

The map is a local linear regression (a first-order local polynomial smoother)
fitted on the pairs ``(psi(x_i), x_i)`` of the fitted points: for a query ``u``
the ``k`` nearest fitted points in coordinate space get Gaussian weights and a
weighted least-squares plane ``x ~ a + B (psi - u)`` is fitted; its intercept
``a`` is the pre-image. Unlike a weighted average it does not shrink towards the
interior of a curved manifold, and it is exact on locally linear pieces.
"""

import numpy as np
from sklearn.neighbors import NearestNeighbors

__all__ = ["LocalLinearPreimage"]


class LocalLinearPreimage:
    """Local linear regression from coordinates to data space.

    Parameters
    ----------
    n_neighbors : int
        Fitted pairs used for each query.
    ridge : float, default=1e-3
        Relative ridge penalty on the slope, which keeps the fit well posed where
        the neighbours are nearly collinear in coordinate space.
    """

    def __init__(self, n_neighbors, ridge=1e-3):
        self.n_neighbors = n_neighbors
        self.ridge = ridge

    def fit(self, coords, X):
        """Store the pairs and index the coordinates.

        ``X`` is kept in its floating dtype (float32 data is not copied to
        float64); the regression itself runs in float64, a chunk at a time.
        """
        self.coords_ = np.asarray(coords, dtype=np.float64)
        X = np.asarray(X)
        self.X_ = X if X.dtype in (np.float32, np.float64) else X.astype(np.float64)
        k = min(self.n_neighbors, self.coords_.shape[0])
        self.index_ = NearestNeighbors(n_neighbors=k).fit(self.coords_)
        return self

    def predict(self, coords):
        """Pre-images of ``coords``: ``(n_queries, n_features)``, dtype of ``X``."""
        coords = np.asarray(coords, dtype=np.float64)
        out = np.empty((coords.shape[0], self.X_.shape[1]), dtype=self.X_.dtype)
        k = self.index_.n_neighbors
        chunk = max(1, 2_000_000 // (k * max(self.X_.shape[1], 1)))
        for start in range(0, coords.shape[0], chunk):
            part = slice(start, start + chunk)
            out[part] = self._predict_chunk(coords[part])
        return out

    def _predict_chunk(self, u):
        dist, ind = self.index_.kneighbors(u)
        h = np.maximum(dist[:, -1:], 1e-12)
        w = np.exp(-((dist / h) ** 2))
        w /= w.sum(axis=1, keepdims=True)
        offsets = self.coords_[ind] - u[:, None, :]  # (q, k, d)
        design = np.concatenate([np.ones(offsets.shape[:2] + (1,)), offsets], axis=2)
        gram = np.einsum("qk,qki,qkj->qij", w, design, design)
        d = offsets.shape[2]
        slope_scale = np.trace(gram[:, 1:, 1:], axis1=1, axis2=2) / max(d, 1)
        penalty = np.zeros((d + 1, d + 1))
        penalty[1:, 1:] = np.eye(d)
        gram += self.ridge * slope_scale[:, None, None] * penalty + 1e-12 * np.eye(
            d + 1
        )
        rhs = np.einsum("qk,qki,qkm->qim", w, design, self.X_[ind])
        beta = np.linalg.solve(gram, rhs)
        return beta[:, 0, :]
