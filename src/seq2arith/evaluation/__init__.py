"""Evaluation: the metrics of the evaluate stages and the curves, the symbolic baseline, and how much drawn digits
look like handwriting."""
