"""The student report's tables and figures beside ours: its numbers, the sweeps that re-run them as DVC
experiments, and the markdown and figures `seq2arith tables`, `queue`, `architectures` and `results` write."""
