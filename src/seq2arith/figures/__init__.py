"""Figures: PNG files that are the same bytes every time, the plots and sample grids of the stages, the glyph
sheet, and the offline page of `dvc plots show`."""
