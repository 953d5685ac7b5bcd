"""The offline `dvc plots` page: its template, and the pages `dvc plots show` and `dvc plots diff` write, opened
in headless Chromium with the network off."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from browser import chromium, render
from pipeline_repo import EXPERIMENT, ROOT, PipelineRepo
from seq2arith.figures.plots_page import SCRIPTS, page
from seq2arith.runtime.errors import Seq2ArithError

TEMPLATE = ROOT / ".dvc" / "plots-page.html"  # written by `make setup`
MAX_PAGE_BYTES = 3_000_000


def _fake_node_modules(folder: Path) -> Path:
    for name in SCRIPTS:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f"window.loaded = '{name}';")
    return folder


class TestPage:
    """``plots_page.page`` (figures/plots_page.py)."""

    def test_inlines_every_script(self, tmp_path):
        """The scripts are in the page itself; DVC's placeholders stay, its CDN placeholder {scripts} does not."""
        html = page(_fake_node_modules(tmp_path))
        assert all(f"window.loaded = '{name}';" in html for name in SCRIPTS)
        assert "{plot_divs}" in html and "{refresh_tag}" in html
        assert "{scripts}" not in html and "<script src" not in html

    def test_names_a_missing_script(self, tmp_path):
        (_fake_node_modules(tmp_path) / SCRIPTS[-1]).unlink()
        with pytest.raises(Seq2ArithError, match=r"vega-embed\.min\.js: missing; .*npm ci"):
            page(tmp_path)

    def test_refuses_a_script_that_would_end_the_tag(self, tmp_path):
        (_fake_node_modules(tmp_path) / SCRIPTS[0]).write_text("'</script>'")
        with pytest.raises(Seq2ArithError, match="cannot be inlined"):
            page(tmp_path)


def _browser() -> None:
    """Skip (or fail) where the browser tests cannot run. They run where SEQ2ARITH_BROWSER_TESTS asks for them
    (`run`: where Chromium is found, `required`: .ci/run's, failing without it); `make test` leaves them to CI, a
    minute sooner."""
    wanted = os.environ.get("SEQ2ARITH_BROWSER_TESTS", "")
    if wanted not in ("run", "required"):
        pytest.skip("browser tests: set SEQ2ARITH_BROWSER_TESTS=run (CI runs them)")
    if not TEMPLATE.is_file():
        pytest.fail(f"{TEMPLATE} is missing: run `make setup`")
    if chromium() is None:
        if wanted == "required":
            pytest.fail("chromium not found: apt-get install chromium")
        pytest.skip("chromium not found (apt-get install chromium)")


def _assert_drawn_offline(index: Path, profile: Path) -> list[dict]:
    html = index.read_text(encoding="utf-8")
    assert "cdn.jsdelivr" not in html and "<script src=\"http" not in html, "the page loads scripts from a CDN"
    report = render(index, profile)
    assert report["remote"] == [], f"the page fetched from the network: {report['remote']}"
    assert report["errors"] == [], f"console errors: {report['errors']}"
    blank = [plot["id"] for plot in report["plots"] if not plot["drawn"]]
    assert not blank, f"plots not drawn: {blank}"
    return report["plots"]


@pytest.fixture(scope="module")
def with_page(tiny_experiment: PipelineRepo, tmp_path_factory: pytest.TempPathFactory) -> PipelineRepo:
    """A copy of the tiny pipeline's results and experiment with the offline page `make setup` writes, named in
    its config (where the browser tests run)."""
    _browser()
    repo = tiny_experiment.copy(tmp_path_factory.mktemp("plots-page") / "repo")
    shutil.copy(TEMPLATE, repo.path / ".dvc" / TEMPLATE.name)
    repo.dvc("config", "--local", "plots.html_template", TEMPLATE.name)
    return repo


class TestOfflinePage:
    """The offline page `make setup` writes, drawn by `dvc plots show` and `dvc plots diff`."""

    @pytest.mark.slow
    def test_plots_show_draws_every_plot_offline(self, with_page: PipelineRepo, tmp_path: Path) -> None:
        """The page of a pipeline's results: every curve, histogram, confusion matrix and figure drawn, small."""
        with_page.dvc("plots", "show", "-o", str(tmp_path / "page"))
        index = tmp_path / "page" / "index.html"
        assert index.stat().st_size <= MAX_PAGE_BYTES
        plots = _assert_drawn_offline(index, tmp_path / "profile")
        assert sum(plot["vega"] for plot in plots) == 8 * 2 + 6 + 6  # curves (2 per training), histograms, confusions
        assert sum(not plot["vega"] for plot in plots) >= 4

    @pytest.mark.slow
    def test_plots_diff_of_two_experiments_draws_every_plot_offline(self, with_page: PipelineRepo,
                                                                    tmp_path: Path) -> None:
        """`dvc plots diff` of the committed results and an experiment: each plot drawn with both revisions."""
        with_page.dvc("plots", "diff", "HEAD", EXPERIMENT, "-o", str(tmp_path / "diff"))
        _assert_drawn_offline(tmp_path / "diff" / "index.html", tmp_path / "profile")
