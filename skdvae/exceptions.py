"""Public warnings and errors of skdvae."""

__all__ = ["DisconnectedGraphWarning"]


class DisconnectedGraphWarning(UserWarning):
    """The kernel graph has several connected components.

    The eigenvalue 1 of the Markov operator is then repeated: the leading
    non-trivial coordinates indicate components instead of describing the
    geometry within them.
    """
