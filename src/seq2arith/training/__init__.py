"""Training: the queries and phases a training stage builds, the loop every model shares, the tensors it is served,
the objectives, and the checkpoints it leaves."""
