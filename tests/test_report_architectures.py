"""The report's architecture figures rebuilt: which model each builds, layer by layer, with its parameters."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from seq2arith.kinds.arithmetic import arithmetic
from seq2arith.params import ParamsError, load_params
from seq2arith.report.architectures import architecture, architecture_summaries, layers
from seq2arith.report.dotted import nested
from seq2arith.report.numbers import report_numbers
from seq2arith.training.architecture import count_parameters

PARAMS = load_params(Path(__file__).parents[1] / "params.yaml")


class TestArchitecture:
    """``architectures.architecture`` (report/architectures.py)."""

    @pytest.mark.parametrize(("from_classifier", "filters"), [(True, 32), (False, 64)])
    def test_img2text_reader_is_the_classifier_or_its_own(self, from_classifier: bool, filters: int) -> None:
        """img2text reads glyphs with the classifier's network when it starts from it, else with its own CNN."""
        settings = nested({"img2text.reader": "classifier" if from_classifier else "trained",
                           "img2text.conv_filters": 64, "classifier.conv_filters": 32, "model.core": "lstm",
                           "train.value_loss": 0, "model.features": "characters"},
                          PARAMS)
        arch = architecture("img2text", "addsub", settings)
        net = arithmetic("img2text").network(arch)
        rows = layers(net, torch.zeros(1, arch.query_width, 28, 28))
        first_conv = next(row for row in rows if row[1] == "Conv2d")
        assert first_conv[0].startswith("reader.module.members.0." if from_classifier else "reader.module.features.")
        assert first_conv[2][1] == filters and rows[-1][2] == (1, 3, 13)

    def test_a_wrong_kind_or_param_is_one_params_error(self) -> None:
        with pytest.raises(ParamsError, match="no model kind 'classifier'"):
            architecture("classifier", "addsub", PARAMS)
        with pytest.raises(ParamsError, match=r"model\.hidden"):
            architecture("text2text", "addsub", nested({"model.hidden": 0}, PARAMS))
        with pytest.raises(ParamsError, match=r"tasks\.div"):
            architecture("text2text", "div", PARAMS)


class TestLayers:
    """``architectures.layers`` (report/architectures.py)."""

    def test_list_each_innermost_module_once_with_its_output_and_parameters(self) -> None:
        """In the order they run, identities left out; the parameters add up to the model's."""
        net = arithmetic("text2text").network(architecture("text2text", "mul", PARAMS))
        rows = layers(net, torch.zeros(1, 5, 12))
        assert [name for name, *_ in rows][-1] == "head" and len({name for name, *_ in rows}) == len(rows)
        assert all(kind != "Identity" for _, kind, _, _ in rows)
        assert sum(count for *_, count in rows) == count_parameters(net)
        assert rows[-1][2] == (1, 4, 12)


class TestArchitectureSummaries:
    """``architectures.architecture_summaries`` (report/architectures.py)."""

    def test_every_figure_builds_on_params_yaml_beside_the_reports_count(self) -> None:
        """Figure 10 is the report's model: its parameter count plus one extra bias vector per LSTM (PyTorch keeps two
        where Keras keeps one: 2 x 4 x 256)."""
        summaries = architecture_summaries(PARAMS)
        assert [line for line in summaries.splitlines() if line.startswith("### ")] == [
            f"### {figure}: {entry['title']}" for figure, entry in report_numbers()["architectures"].items()]
        assert f"{935_824 + 2 * 4 * 256:,} parameters (the report's: 935,824)" in summaries
        assert "| head.layers.2 | Linear | (1, 3, 784) | 101,136 |" in summaries
        assert "`model.reverse_answer=false`" in summaries

    def test_settings_that_cannot_build_together_are_one_params_error(self, tmp_path: Path) -> None:
        """img2text's columns core needs a reader that reads symbols: not one trained from scratch."""
        report = tmp_path / "report.yaml"
        report.write_text("architectures:\n  Figure 0: {title: t, kind: img2text, task: addsub, params: "
                          "{img2text.reader: trained}}\n")
        with pytest.raises(ParamsError, match=r"Figure 0: cannot build its model: model\.core = 'columns' needs"):
            architecture_summaries(PARAMS, report)
