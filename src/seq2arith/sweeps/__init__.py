"""Sweeps past one machine: each configuration a DVC experiment run by a worker in its own clone (``experiments``),
scheduled on a Dask cluster (``cluster``)."""
