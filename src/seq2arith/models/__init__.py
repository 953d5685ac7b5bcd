"""The networks: the cores every kind shares, glyph readers and image heads."""
