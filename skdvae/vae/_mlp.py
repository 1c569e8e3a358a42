"""The fully connected network every DiffusionVAE module is built from."""

from torch import nn

__all__ = ["MLP"]

_ACTIVATIONS = {"relu": nn.ReLU, "silu": nn.SiLU, "tanh": nn.Tanh, "elu": nn.ELU}


class MLP(nn.Module):
    """Fully connected network: ``Linear`` layers with an activation between.

    Parameters
    ----------
    n_inputs : int
        Input width.
    hidden_layer_sizes : sequence of int
        Widths of the hidden layers (may be empty: a linear map).
    n_outputs : int
        Output width. The last layer is linear.
    activation : {"silu", "relu", "tanh", "elu"}, default="silu"
        Non-linearity after every hidden layer.
    """

    def __init__(self, n_inputs, hidden_layer_sizes, n_outputs, activation="silu"):
        super().__init__()
        widths = [int(n_inputs), *(int(h) for h in hidden_layer_sizes)]
        layers = []
        for w_in, w_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(w_in, w_out), _ACTIVATIONS[activation]()]
        layers.append(nn.Linear(widths[-1], int(n_outputs)))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        """Apply the network to a batch ``x`` of shape (batch, n_inputs)."""
        return self.layers(x)
