"""PNG figures of the report (matplotlib, non-interactive Agg backend).

Every function writes one file and returns its path relative to the report
folder's ``figures/`` parent, ready to be linked from the Markdown, or None
when there is nothing to draw.
"""

import numpy as np

__all__ = [
    "embeddings",
    "filmstrips",
    "image_grid",
    "samples_vs_truth",
    "shared_limits",
]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    fig.savefig(path, dpi=90, bbox_inches="tight")
    _pyplot().close(fig)
    return f"figures/{path.name}"


def _axes_grid(n_panels, n_cols, size=3.0, projection=None, height=1.0):
    """A figure of ``n_panels`` axes; ``height`` scales the rows' height."""
    plt = _pyplot()
    n_cols = max(1, min(n_cols, n_panels))
    n_rows = int(np.ceil(n_panels / n_cols))
    fig = plt.figure(figsize=(size * n_cols, size * n_rows * height + 0.3))
    axes = [
        fig.add_subplot(n_rows, n_cols, i + 1, projection=projection)
        for i in range(n_panels)
    ]
    return fig, axes


def _colour_key(fig, axes, color, label, categorical):
    """Colour map and norm of ``color``, with a legend or a colour bar on ``fig``.

    Up to 10 categories get a legend of the ``tab10`` colours; anything else
    (a parameter, or more categories) a colour bar labelled ``label``.
    """
    from matplotlib import cm, colors
    from matplotlib.lines import Line2D

    values = np.unique(color)
    if categorical and len(values) <= 10:
        cmap = colors.ListedColormap(cm.tab10.colors[: len(values)])
        norm = colors.BoundaryNorm(np.append(values - 0.5, values[-1] + 0.5), cmap.N)
        handles = [
            Line2D([], [], ls="", marker="o", color=cmap(norm(v)), label=f"{v:g}")
            for v in values
        ]
        fig.legend(
            handles=handles, title=label, loc="center left", bbox_to_anchor=(1.0, 0.5)
        )
        return cmap, norm
    cmap = cm.Spectral
    norm = colors.Normalize(float(np.min(color)), float(np.max(color)))
    mappable = cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(mappable, ax=axes, shrink=0.8, label=label)
    return cmap, norm


def embeddings(path, title, panels, color, color_label="value", categorical=False):
    """Training embeddings of several methods side by side (first two axes).

    Each panel keeps its own axes: the methods' coordinates have different
    units. A colour bar (a parameter) or a legend (a category) says what the
    colour shows.

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
    color_label : str, default="value"
        What ``color`` is, for the colour bar or the legend.
    categorical : bool, default=False
        True if ``color`` holds categories (a legend rather than a colour bar).

    Returns
    -------
    relpath : str or None
    """
    if not panels:
        return None
    fig, axes = _axes_grid(len(panels), 4)
    cmap, norm = _colour_key(fig, axes, np.asarray(color), color_label, categorical)
    for ax, (name, Z) in zip(axes, panels):
        Z = np.atleast_2d(Z)
        y = Z[:, 1] if Z.shape[1] > 1 else np.zeros(len(Z))
        ax.scatter(Z[:, 0], y, c=color, s=2, cmap=cmap, norm=norm, rasterized=True)
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title, fontsize=10, y=1.02)
    return _save(fig, path)


def shared_limits(reference, clouds, quantile=0.005, reach=0.5, pad=0.05):
    """Axis limits shared by every panel of a figure.

    The limits hold all of ``reference`` and every point of each cloud
    except far-off ones: per coordinate, a cloud extends the limits to its
    extreme points, but no farther than ``reach`` times the reference's span
    beyond the cloud's ``quantile`` and ``1 - quantile`` quantiles (a few
    diverged samples do not squash the rest). The limits are then widened by
    ``pad`` of their span on each side.

    Returns
    -------
    low, high : ndarray of shape (n_features,)
    """
    low, high = np.min(reference, axis=0), np.max(reference, axis=0)
    margin = reach * (high - low)
    for cloud in clouds:
        finite = cloud[np.all(np.isfinite(cloud), axis=1)]
        if len(finite):
            q_low, q_high = np.quantile(finite, [quantile, 1 - quantile], axis=0)
            low = np.minimum(low, np.maximum(finite.min(axis=0), q_low - margin))
            high = np.maximum(high, np.minimum(finite.max(axis=0), q_high + margin))
    span = np.where(high > low, high - low, 1.0)
    return low - pad * span, high + pad * span


def _scatter(ax, X, **kwargs):
    if X.shape[1] >= 3:
        ax.scatter(X[:, 0], X[:, 1], X[:, 2], **kwargs)
    else:
        ax.scatter(X[:, 0], X[:, 1], **kwargs)


def _set_limits(ax, low, high, view):
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.tick_params(labelsize=7)
    if len(low) >= 3:
        ax.set_zlim(low[2], high[2])
        ax.locator_params(nbins=4)
        ax.set_box_aspect(tuple(high[:3] - low[:3]))  # equal units on every axis
        if view is not None:
            ax.view_init(*view)
    else:
        ax.set_aspect("equal", adjustable="box")


def samples_vs_truth(path, title, reference, panels, max_points=1500, view=None):
    """Generated samples (red) over the training points (grey), per model.

    Every panel has the same axes and equal units on each axis. Samples
    outside the shared axes are left out and counted in the panel's title.

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
    view : tuple of float or None, default=None
        Elevation and azimuth of 3-D views in degrees (None: matplotlib's).

    Returns
    -------
    relpath : str or None
    """
    if not panels:
        return None
    dims = min(reference.shape[1], 3)
    ref = np.asarray(reference)[:max_points, :dims]
    clouds = [np.asarray(S)[:max_points, :dims] for _, S in panels]
    low, high = shared_limits(ref, clouds)
    height = 1.0
    if dims == 2:  # rows as high as the data's aspect needs (titles included)
        height = float(np.clip((high[1] - low[1]) / (high[0] - low[0]), 0.3, 1.0))
        height += 0.15
    fig, axes = _axes_grid(len(panels), 4, 3.2, "3d" if dims == 3 else None, height)
    for ax, (name, _), S in zip(axes, panels, clouds):
        inside = np.all((S >= low) & (S <= high), axis=1)
        _scatter(ax, ref, s=1, c="0.75", alpha=0.4, rasterized=True)
        _scatter(ax, S[inside], s=2, c="tab:red", alpha=0.7, rasterized=True)
        n_out = int(len(S) - inside.sum())
        note = f"\n{n_out} of {len(S)} outside the axes" if n_out else ""
        ax.set_title(name + note, fontsize=9)
        _set_limits(ax, low, high, view)
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
