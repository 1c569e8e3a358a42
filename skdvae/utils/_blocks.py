"""Consecutive blocks of rows, for work whose memory must not grow with the data."""

__all__ = ["row_blocks"]


def row_blocks(n_rows, block_rows):
    """Slices of ``block_rows`` consecutive rows (the last may be shorter).

    Parameters
    ----------
    n_rows : int
        Number of rows to cover.
    block_rows : int
        Rows per block (at least 1).

    Returns
    -------
    list of slice
        Empty when ``n_rows`` is 0.
    """
    return [slice(start, start + block_rows) for start in range(0, n_rows, block_rows)]
