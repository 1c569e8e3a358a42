"""Private helpers shared by the skdvae estimators."""
