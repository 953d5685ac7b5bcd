"""Tests of seq2arith.data.operator_glyphs: synthetic operator images."""

from __future__ import annotations

import numpy as np
import pytest

from seq2arith.data.operator_glyphs import STROKES, Glyphs, GlyphsConfig, draw_glyph, draw_glyphs

CONFIG = GlyphsConfig(train_per_operator=4, test_per_operator=2)


@pytest.fixture(scope="module")
def drawn() -> Glyphs:
    return draw_glyphs(CONFIG, np.random.default_rng(0))


class TestDrawGlyph:
    """``operator_glyphs.draw_glyph`` (data/operator_glyphs.py)."""

    def test_strokes_follow_the_symbol(self):
        """Without jitter, minus is a horizontal bar, plus adds a vertical one, and times is a diagonal cross."""
        config = GlyphsConfig(thickness=[2, 2], jitter=0)
        minus, plus, cross = (draw_glyph(s, config, np.random.default_rng(0)).astype(int) for s in "-+*")
        ink = 128
        assert minus[14, 8] > ink and minus[14, 20] > ink and minus[8, 14] < ink and minus[20, 14] < ink
        assert plus[14, 8] > ink and plus[14, 20] > ink and plus[8, 14] > ink and plus[20, 14] > ink
        assert all(cross[y, x] > ink for y, x in [(10, 10), (10, 18), (18, 10), (18, 18)])
        assert cross[14, 8] < ink and cross[8, 14] < ink

    def test_no_jitter_fixed_thickness_is_canonical(self):
        """Without jitter and with one thickness every image of a symbol is identical."""
        config = GlyphsConfig(thickness=[2, 2], jitter=0)
        rng = np.random.default_rng(0)
        first, second = draw_glyph("+", config, rng), draw_glyph("+", config, rng)
        np.testing.assert_array_equal(first, second)


class TestDrawGlyphs:
    """``operator_glyphs.draw_glyphs`` (data/operator_glyphs.py)."""

    def test_shapes_and_dtypes(self, drawn):
        """Images are (N, 28, 28) uint8 with one symbol and one pool flag per image."""
        n = len(STROKES) * (CONFIG.train_per_operator + CONFIG.test_per_operator)
        assert drawn.images.shape == (n, 28, 28) and drawn.images.dtype == np.uint8
        assert drawn.symbols.shape == (n,) and drawn.symbols.dtype.kind == "U"
        assert drawn.is_test.shape == (n,) and drawn.is_test.dtype == bool

    @pytest.mark.parametrize("symbol", sorted(STROKES))
    def test_counts_per_operator_and_pool(self, drawn, symbol):
        """Each operator has train_per_operator train and test_per_operator test images."""
        mine = drawn.symbols == symbol
        assert (mine & ~drawn.is_test).sum() == CONFIG.train_per_operator
        assert (mine & drawn.is_test).sum() == CONFIG.test_per_operator

    def test_every_image_has_ink(self, drawn):
        """No glyph is blank: every image has a substantial number of bright pixels."""
        assert ((drawn.images > 128).sum(axis=(1, 2)) >= 10).all()

    def test_same_seed_same_glyphs(self, drawn):
        """The same seed draws identical images."""
        again = draw_glyphs(CONFIG, np.random.default_rng(0))
        np.testing.assert_array_equal(again.images, drawn.images)
        np.testing.assert_array_equal(again.symbols, drawn.symbols)
        np.testing.assert_array_equal(again.is_test, drawn.is_test)

    def test_other_seed_other_glyphs(self, drawn):
        """Another seed draws different images."""
        other = draw_glyphs(CONFIG, np.random.default_rng(1))
        assert not np.array_equal(other.images, drawn.images)


class TestGlyphs:
    """``operator_glyphs.Glyphs`` (data/operator_glyphs.py)."""

    def test_save_load_round_trip(self, tmp_path, drawn):
        """Glyphs saved to a folder load back identical."""
        drawn.save(tmp_path / "glyphs")
        loaded = Glyphs.load(tmp_path / "glyphs")
        for name in ("images", "symbols", "is_test"):
            np.testing.assert_array_equal(getattr(loaded, name), getattr(drawn, name))
            assert getattr(loaded, name).dtype == getattr(drawn, name).dtype
