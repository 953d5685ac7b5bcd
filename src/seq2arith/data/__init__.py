"""The data every model reads: characters, glyph images (MNIST digits, drawn operators), the handwriting pools,
and the queries of a task with their stored query sets."""
