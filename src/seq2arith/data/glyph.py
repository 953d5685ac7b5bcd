"""What every image of the project is: one glyph, ``SIDE`` pixels square.

MNIST's size, which the operator glyphs, the handwriting pools, the strips and every image model follow.
"""

SIDE = 28
