"""PNG figures of the report (matplotlib, non-interactive Agg backend).

Every function writes one file and returns its path relative to the report
folder's ``figures/`` parent, ready to be linked from the Markdown, or None
when there is nothing to draw.
"""

import numpy as np

__all__ = ["embeddings", "filmstrips", "image_grid", "samples_vs_truth"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    fig.savefig(path, dpi=90, bbox_inches="tight")
    _pyplot().close(fig)
    return f"figures/{path.name}"


def _axes_grid(n_panels, n_cols, size=3.0, projection=None):
    plt = _pyplot()
    n_cols = max(1, min(n_cols, n_panels))
    n_rows = int(np.ceil(n_panels / n_cols))
    fig = plt.figure(figsize=(size * n_cols, size * n_rows))
    axes = [
        fig.add_subplot(n_rows, n_cols, i + 1, projection=projection)
        for i in range(n_panels)
    ]
    return fig, axes


def embeddings(path, title, panels, color):
    """Training embeddings of several methods side by side (first two axes).

    Parameters
    ----------
    path : pathlib.Path
        Output file.
    title : str
        Figure title.
    panels : list of (str, ndarray)
        Method name and embedding.
    color : ndarray of shape (n_samples,)
        Colour of each point (a true parameter or the class).

    Returns
    -------
    relpath : str or None
    """
    if not panels:
        return None
    fig, axes = _axes_grid(len(panels), 4)
    for ax, (name, Z) in zip(axes, panels):
        Z = np.atleast_2d(Z)
        y = Z[:, 1] if Z.shape[1] > 1 else np.zeros(len(Z))
        ax.scatter(Z[:, 0], y, c=color, s=2, cmap="Spectral", rasterized=True)
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title, fontsize=10, y=1.02)
    return _save(fig, path)


def _scatter(ax, X, **kwargs):
    if X.shape[1] >= 3:
        ax.scatter(X[:, 0], X[:, 1], X[:, 2], **kwargs)
    else:
        ax.scatter(X[:, 0], X[:, 1], **kwargs)


def samples_vs_truth(path, title, reference, panels, max_points=1500):
    """Generated samples (colour) over the true manifold (grey), per model.

    Parameters
    ----------
    path : pathlib.Path
        Output file.
    title : str
        Figure title.
    reference : ndarray of shape (n, n_features)
        Points of the true manifold.
    panels : list of (str, ndarray)
        Model name and its samples.
    max_points : int, default=1500
        Points drawn per cloud.

    Returns
    -------
    relpath : str or None
    """
    if not panels:
        return None
    three_d = reference.shape[1] >= 3
    fig, axes = _axes_grid(len(panels), 4, 3.2, "3d" if three_d else None)
    ref = reference[:max_points]
    for ax, (name, S) in zip(axes, panels):
        _scatter(ax, ref, s=1, c="0.75", alpha=0.4, rasterized=True)
        S = np.asarray(S)[:max_points]
        _scatter(ax, S, s=2, c="tab:red", alpha=0.7, rasterized=True)
        ax.set_title(name, fontsize=9)
        if not three_d:
            ax.set_aspect("equal", adjustable="datalim")
    fig.suptitle(title, fontsize=10, y=1.02)
    return _save(fig, path)


def image_grid(path, title, images, shape, grid):
    """A grid of images (e.g. generated faces).

    Parameters
    ----------
    path : pathlib.Path
        Output file.
    title : str
        Figure title.
    images : ndarray of shape (n_images, n_pixels)
        Images, row by row (values clipped to [0, 1]).
    shape : tuple of int
        Height and width of one image.
    grid : tuple of int
        Rows and columns of the grid.

    Returns
    -------
    relpath : str or None
    """
    rows, cols = grid
    images = np.clip(np.asarray(images)[: rows * cols], 0.0, 1.0)
    if len(images) == 0:
        return None
    canvas = np.ones((rows * (shape[0] + 1), cols * (shape[1] + 1)))
    for k, img in enumerate(images):
        r, c = divmod(k, cols)
        top, left = r * (shape[0] + 1), c * (shape[1] + 1)
        canvas[top : top + shape[0], left : left + shape[1]] = img.reshape(shape)
    plt = _pyplot()
    fig = plt.figure(figsize=(cols * 0.9, rows * 0.9 * shape[0] / shape[1] + 0.4))
    ax = fig.add_subplot(1, 1, 1)
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title, fontsize=9)
    return _save(fig, path)


def filmstrips(path, title, walks, shape):
    """Random walks as film strips: one row per walk, one column per step.

    Parameters
    ----------
    path : pathlib.Path
        Output file.
    title : str
        Figure title.
    walks : ndarray of shape (n_walks, n_steps + 1, n_pixels)
        Trajectories; column 0 is the real start image.
    shape : tuple of int
        Height and width of one image.

    Returns
    -------
    relpath : str or None
    """
    walks = np.asarray(walks)
    if walks.ndim != 3 or walks.size == 0:
        return None
    n_walks, n_frames = walks.shape[:2]
    return image_grid(
        path, title, walks.reshape(n_walks * n_frames, -1), shape, (n_walks, n_frames)
    )
