"""The report package: its numbers, the sweeps of `dvc exp show --json`, and markdown tables from them and from
the metrics files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from seq2arith import cli
from seq2arith.data.queries import SplitConfig
from seq2arith.kinds.img2text import Img2TextConfig
from seq2arith.kinds.text2text import Text2TextConfig
from seq2arith.models.cores import ModelConfig
from seq2arith.params import load_params, section
from seq2arith.report import check
from seq2arith.report.dotted import get
from seq2arith.report.experiments import experiments, sweep_curves
from seq2arith.report.markdown import experiment_table, replace_between, results_table, run_names, shapes_table
from seq2arith.report.numbers import report_numbers, report_rows, report_runs
from seq2arith.report.seeds import interval, no_difference, noise_note, seed_runs, seeds_table, t_quantile
from seq2arith.report.specs import TABLES, TableSpec
from seq2arith.runtime.errors import Seq2ArithError


def _data(extra_lstm: int, exact: float) -> dict:
    return {"params": {"params.yaml": {"data": {"model": {"core": "lstm", "extra_lstm": extra_lstm, "hidden": 128,
                                                          "features": "digit_pairs"}}}},
            "metrics": {"metrics/addsub-text2text.json": {"data": {"train": {"exact_match": 1.0, "char_accuracy": 1.0},
                                                                   "test": {"exact_match": exact,
                                                                            "char_accuracy": 0.99}}}}}


EXP_SHOW = [  # the shape of `dvc exp show --json` (dvc 3): workspace, baseline commit, its experiments
    {"rev": "workspace", "name": None, "data": _data(1, 0.5), "experiments": None},
    {"rev": "a" * 40, "name": "main", "data": _data(1, 0.9991),
     "experiments": [{"revs": [{"rev": "b" * 40, "name": "deep-lstm", "data": _data(2, 0.98)}]},
                     {"revs": [{"rev": "c" * 40, "name": "queued", "data": None}]},
                     {"executor": {"state": "running"},
                      "revs": [{"rev": "e" * 40, "name": "running", "data": _data(3, 0.9991)}]}]},
]


SWEEP = [{"rev": "a" * 40, "name": "main", "data": _data(1, 0.99), "experiments": [
    {"revs": [{"rev": "b" * 40, "name": "three", "data": _data(3, 0.9)}]},
    {"revs": [{"rev": "c" * 40, "name": "none", "data": _data(0, 0.95)}]}]}]


class TestExperiments:
    """``experiments.experiments`` (report/experiments.py)."""

    def test_older_commits_give_only_their_experiments(self) -> None:
        """With `-n 2`, an older commit is no row of its own, but the experiments based on it are."""
        older = {"rev": "f" * 40, "name": None, "data": _data(1, 0.9),
                 "experiments": [{"revs": [{"rev": "0" * 40, "name": "old-exp", "data": _data(2, 0.5)}]}]}
        names = [run.name for run in experiments([*EXP_SHOW, older])]
        assert names == ["main", "deep-lstm", "old-exp"]

    def test_skips_workspace_and_empty_runs(self) -> None:
        """The baseline and finished experiments are rows; the workspace, unfinished runs and runs without data
        are not."""
        assert [run.name for run in experiments(EXP_SHOW)] == ["main", "deep-lstm"]


class TestExperimentTable:
    """``markdown.experiment_table`` (report/markdown.py)."""

    def test_experiment_table(self) -> None:
        """A table has the varied params and train/test scores per model, one row per experiment."""
        table = experiment_table(TABLES["lstm"], EXP_SHOW)
        assert "| experiment | extra_lstm | hidden | epochs |" in table
        assert "| deep-lstm | 2 | 128 | - | 1.0000 | 0.9800 | 1.0000 | 0.9900 | - | - | - | - |" in table

    def test_leaves_out_other_sweeps(self) -> None:
        """An experiment that changed a param outside the table's columns belongs to another sweep: no row."""
        other = _data(1, 0.7)
        other["params"]["params.yaml"]["data"]["split"] = {"test_ratio": 0.5}
        exp_show = [{**EXP_SHOW[1], "experiments": [{"revs": [{"rev": "d" * 40, "name": "ratio", "data": other}]}]}]
        assert "ratio" not in experiment_table(TABLES["lstm"], exp_show)
        assert "ratio" in experiment_table(TABLES["test-ratio"], exp_show)

    def test_without_results(self) -> None:
        """With nothing run yet the command says so in one line instead of printing an empty table."""
        with pytest.raises(Seq2ArithError, match="run the sweep first"):
            experiment_table(TABLES["lstm"], [EXP_SHOW[0]])

    def test_shows_only_numbers_an_experiment_made(self) -> None:
        """Where an experiment did not re-make a metrics file (the same numbers as its base commit's) its cells are
        '-', not the base's numbers; an experiment that re-made none of the table's files is no row. The base is
        the commit the experiment was run on, also when a newer commit is the table's baseline."""
        base, made, same = _data(1, 0.9991), _data(2, 0.98), _data(3, 0.9991)
        base["metrics"]["metrics/mul-text2text.json"] = {"data": {"test": {"exact_match": 0.4}}}
        same["metrics"]["metrics/mul-text2text.json"] = {"data": {"test": {"exact_match": 0.4}}}
        made["metrics"]["metrics/mul-text2text.json"] = {"data": {"test": {"exact_match": 0.4}}}
        newer = _data(1, 0.5)
        exp_show = [{"rev": "f" * 40, "name": "main", "data": newer, "experiments": None},
                    {"rev": "a" * 40, "name": None, "data": base, "experiments": [
                        {"revs": [{"rev": "b" * 40, "name": "made", "data": made}]},
                        {"revs": [{"rev": "c" * 40, "name": "same", "data": same}]}]}]
        table = experiment_table(TABLES["lstm"], exp_show)
        assert "| made | 2 | 128 | - | 1.0000 | 0.9800 | 1.0000 | 0.9900 | - | - | - | - |" in table
        assert "| main |" in table and "same" not in table

    def test_report_tables_take_experiments_on_the_lstm_recipe(self) -> None:
        """The report's tables sweep its LSTM: experiments that also set the LSTM recipe (README's $LSTM) belong
        to them; the same recipe change does not slip into a table without it."""
        on_lstm = _data(2, 0.97)
        on_lstm["params"]["params.yaml"]["data"] |= {"model": {"extra_lstm": 2, "hidden": 128, "core": "lstm",
                                                               "features": "characters"},
                                                     "text2text": {"epochs": 60}, "train": {"mirror": False}}
        exp_show = [{**EXP_SHOW[1], "experiments": [{"revs": [{"rev": "d" * 40, "name": "lstm-2", "data": on_lstm}]}]}]
        assert "| lstm-2 | 2 | 128 | 60 |" in experiment_table(TABLES["lstm-report"], exp_show)
        assert "lstm-2" not in experiment_table(TABLES["lstm"], exp_show)  # the default core's sweep
        assert "lstm-2" not in experiment_table(TABLES["test-ratio"], exp_show)

    def test_param_columns_are_short_where_unambiguous(self) -> None:
        """A params column is named by the key's last part unless two keys of the table share it."""
        table = experiment_table(TableSpec("img2text", TABLES["img2text-mul"].params, TABLES["lstm"].columns), EXP_SHOW)
        assert "| experiment | encoder | extra_lstm | hidden | conv_layers | conv_filters | epochs |" in table
        spec = TableSpec("clash", ("text2text.epochs", "img2text.epochs", "model.hidden"), TABLES["lstm"].columns)
        assert "| experiment | text2text.epochs | img2text.epochs | hidden |" in experiment_table(spec, EXP_SHOW)

    def test_rows_in_order_of_the_swept_params(self) -> None:
        rows = [line.split(" | ")[0] for line in experiment_table(TABLES["lstm"], SWEEP).splitlines()[4:]]
        assert rows == ["| none", "| main", "| not run", "| three"]  # the report's 2 extra layers: not run

    def test_a_retrained_model_makes_its_numbers_even_when_they_are_the_base_numbers(self) -> None:
        """An experiment whose checkpoint differs from its base commit's re-made that model's metrics, even where
        the numbers come out the same (a solved task scores 1.0 either way)."""
        base, retrained = _data(1, 1.0), _data(2, 1.0)
        base["outs"] = {"models/addsub-text2text.pt": {"hash": "md5-a"}}
        retrained["outs"] = {"models/addsub-text2text.pt": {"hash": "md5-b"}}
        exp_show = [{"rev": "a" * 40, "name": "main", "data": base,
                     "experiments": [{"revs": [{"rev": "b" * 40, "name": "deeper", "data": retrained}]}]}]
        assert "| deeper | 2 | 128 | - | 1.0000 | 1.0000 | 1.0000 | 0.9900 |" in experiment_table(TABLES["lstm"],
                                                                                                   exp_show)

    def test_a_model_scored_again_makes_its_numbers(self) -> None:
        """The same checkpoint scored differently (text2img's drawings read by another classifier) was re-evaluated:
        its numbers are the experiment's own."""
        base, rescored = _data(1, 0.9991), _data(2, 0.5)
        base["outs"] = rescored["outs"] = {"models/addsub-text2text.pt": {"hash": "md5-a"}}
        exp_show = [{"rev": "a" * 40, "name": "main", "data": base,
                     "experiments": [{"revs": [{"rev": "b" * 40, "name": "rescored", "data": rescored}]}]}]
        assert "| rescored | 2 | 128 | - | 1.0000 | 0.5000 |" in experiment_table(TABLES["lstm"], exp_show)

    def test_a_baseline_without_the_tables_files_is_no_row(self) -> None:
        """A task only an experiment adds (add3): the baseline has no metrics file of it, so no row of dashes."""
        spec = TableSpec("add3", ("model.extra_lstm",), (("metrics/add3-text2text.json", "test.exact_match"),))
        added = _data(2, 0.9)
        added["metrics"]["metrics/add3-text2text.json"] = {"data": {"test": {"exact_match": 1.0}}}
        exp_show = [{"rev": "a" * 40, "name": "main", "data": _data(1, 0.9),
                     "experiments": [{"revs": [{"rev": "b" * 40, "name": "add3", "data": added}]}]}]
        rows = experiment_table(spec, exp_show).splitlines()[4:]
        assert rows == ["| add3 | 2 | 1.0000 |"]

    def test_report_numbers_stand_beside_the_rows_that_run_them(self) -> None:
        """Each experiment shows the report's numbers for the row of its table its params run; a row of the report
        that no experiment ran is a row of its own (one for the same params in two tables), in order, ours '-'."""
        table = experiment_table(TABLES["lstm"], SWEEP)
        assert "| Table 1 test | Table 1 train | Table 1 parameters | Table 4 test |" in table
        rows = [line.split(" | ") for line in table.splitlines()[4:]]
        assert [row[0] for row in rows] == ["| none", "| main", "| not run", "| three"]
        main, not_run = rows[1], rows[2]
        assert main[-6:] == ["0.9925", "0.9963", "1330445", "0.8330", "0.9309", "1330445 |"]
        assert not_run[1:4] == ["2", "256", "addsub: 20, mul: 60"]  # the row's own params, then its table's recipe
        assert not_run[-6:] == ["0.9947", "0.9745", "1855757", "0.8065", "0.9066", "1855757 |"]
        assert set(not_run[4:-6]) == {"-"}

    def test_where_keeps_the_experiments_of_one_encoder(self) -> None:
        """Table 2 shows ConvLSTM experiments and Table 3 the CNN's; the baseline stands in both."""
        def img2text(encoder: str) -> dict:
            data = _data(1, 0.5)
            data["params"]["params.yaml"]["data"]["img2text"] = {"encoder": encoder}
            data["metrics"] = {"metrics/addsub-img2text.json": {"data": {"test": {"exact_match": 0.5}}}}
            return data
        exp_show = [{"rev": "a" * 40, "name": "main", "data": img2text("cnn"), "experiments": [
            {"revs": [{"rev": "b" * 40, "name": "conv", "data": img2text("convlstm")}]}]}]
        exp_show[0]["data"]["metrics"] = {"metrics/addsub-img2text.json": {"data": {"test": {"exact_match": 0.9}}}}
        assert "| conv |" in experiment_table(TABLES["convlstm"], exp_show)
        assert "| conv |" not in experiment_table(TABLES["img2text-addsub"], exp_show)
        assert "| main |" in experiment_table(TABLES["img2text-addsub"], exp_show)

    def test_per_task_params_are_one_column(self) -> None:
        """A per-task value ({addsub: 20, mul: 60}) is one cell, and a sweep may replace it by one number."""
        base, flat = _data(1, 0.99), _data(1, 0.98)
        base["params"]["params.yaml"]["data"]["text2text"] = {"epochs": {"addsub": 20, "mul": 60}}
        flat["params"]["params.yaml"]["data"]["text2text"] = {"epochs": 400}
        exp_show = [{"rev": "a" * 40, "name": "main", "data": base,
                     "experiments": [{"revs": [{"rev": "b" * 40, "name": "long", "data": flat}]}]}]
        spec = TableSpec("epochs", ("text2text.epochs",), TABLES["lstm"].columns)
        table = experiment_table(spec, exp_show)
        assert "| main | addsub: 20, mul: 60 |" in table and "| long | 400 |" in table


class TestResultsTable:
    """``markdown.results_table`` (report/markdown.py)."""

    def test_results_table(self, tmp_path: Path) -> None:
        """The README table reads exact match, char accuracy and MAE from metrics/, the epochs from the training
        stage's metrics and its seconds from beside its curves, beside the report's number."""
        metrics, curves = tmp_path / "metrics", tmp_path / "curves"
        (curves / "mul-text2text").mkdir(parents=True)
        metrics.mkdir()
        scores = {"exact_match": 0.99, "char_accuracy": 0.995, "value_mae": 0.5, "unparseable_rate": 0.0}
        (metrics / "mul-text2text.json").write_text(json.dumps({"train": scores, "test": scores}))
        (metrics / "classifier.json").write_text(json.dumps({"test_accuracy": 0.99, "train_accuracy": 1.0}))
        table = results_table(metrics, curves)
        (metrics / "mul-text2text.json").write_text(json.dumps({"train": scores, "test": {
            **scores, "unseen_pair_exact_match": 0.95}, "beyond_range": {"exact_match": 0.75, "3x1_exact_match": 1.0,
                                                                         "3x2_exact_match": 0.5}}))
        (metrics / "train-mul-text2text.json").write_text(json.dumps({"epochs": 400, "train_queries": 9000}))
        (curves / "mul-text2text" / "metrics.json").write_text(json.dumps({"seconds": 99, "step": 399}))
        assert ("| mul-text2text | 0.9900 | 0.9500 | 0.7500 (lowest 3x2 0.5000) | 0.9950 | 0.9900 | 400 epochs, 99 s |"
                in results_table(metrics, curves))
        assert "| mul-text2text | 0.9900 | - | - | 0.9950 | 0.9900 | - epochs, - s | 0.833 (Table 4) |" in table
        assert ("| classifier (glyph reader) | - of the digits (0.9900 of all glyphs) |" in table
                and "addsub" not in table)

    def test_with_seeds(self, tmp_path: Path) -> None:
        """With seed numbers each headline number is `mean ± half-width (n seeds)`, and a line under the table says
        what that is; the other numbers (and without seeds, every number) are the metrics files' own."""
        metrics = _metrics_folder(tmp_path)
        plain = results_table(metrics, tmp_path / "curves")
        assert "| addsub-text2text | 0.9900 | 0.9800 | 0.7500 (lowest 3+3 1.0000) | 0.9950 | 0.9900 |" in plain
        assert "| classifier (glyph reader) | 0.9900 of the digits (0.9950 of all glyphs) |" in plain
        assert "±" not in plain
        seeded = results_table(metrics, tmp_path / "curves", seeds=seed_runs(TABLES["seeds"], SEEDS_SHOW).summary())
        assert ("| addsub-text2text | 2.0000 ± 2.4841 (3 seeds) | 1.0000 ± 0 (3 seeds) | 0.7500 (lowest 3+3 1.0000) "
                "| 0.9950 | 0.9900 |") in seeded  # past the range: the committed run's (the shapes change)
        assert "| classifier (glyph reader) | 0.9900 ± 0 (3 seeds) of the digits (0.9950 of all glyphs) |" in seeded
        assert seeded.endswith("half-width of its 95% interval (reports/seeds.md); every other number is the committed "
                               "run's (metrics/).\n")


class TestReplaceBetween:
    """``markdown.replace_between`` (report/markdown.py)."""

    def test_replace_between(self) -> None:
        """Only the text between the two marker lines is replaced; missing markers are an error."""
        text = "a\n<!-- s -->\nold\n<!-- e -->\nb\n"
        assert replace_between(text, "<!-- s -->", "<!-- e -->", "new\n") == "a\n<!-- s -->\nnew\n<!-- e -->\nb\n"
        with pytest.raises(Seq2ArithError):
            replace_between("no markers", "<!-- s -->", "<!-- e -->", "x")


class TestSweepCurves:
    """``experiments.sweep_curves`` (report/experiments.py)."""

    def test_are_the_scores_against_the_first_param(self) -> None:
        curves = sweep_curves(TABLES["lstm"], SWEEP)
        assert list(curves) == ["addsub-text2text"]
        assert curves["addsub-text2text"]["test.exact_match"] == [(0, 0.95), (1, 0.99), (3, 0.9)]
        assert curves["addsub-text2text"]["train.char_accuracy"] == [(0, 1.0), (1, 1.0), (3, 1.0)]


class TestReportNumbers:
    """``numbers.report_numbers`` and ``numbers.report_rows`` (report/numbers.py)."""

    def test_name_real_params_and_tables(self) -> None:
        """Every params key of report.yaml is one of params.yaml, every table a spec names is there, and every
        model of the README's results table has the report's best."""
        params = load_params(Path(__file__).parents[1] / "params.yaml")
        numbers = report_numbers()
        for spec in TABLES.values():
            for row in report_rows(spec.report):
                for key in row.params:
                    assert get(params, key) is not None, key
                    assert any(key == shown or key.startswith(f"{shown}.") for shown in spec.params) or any(
                        key.startswith(prefix) for prefix in spec.recipe), key
        assert {table for spec in TABLES.values() for table in spec.report} == set(numbers["tables"])
        assert set(numbers["best"]) == {f"{task}-{kind}" for task in ("addsub", "mul")
                                        for kind in ("text2text", "img2text", "text2img")}


class TestReportRuns:
    """``numbers.report_runs`` (report/numbers.py)."""

    def test_queue_each_row_on_its_tables_recipe(self) -> None:
        """One `dvc exp run --queue` per chosen row: the table's recipe, then the row's params, then its stage."""
        first, last = report_runs("Table 2", [1, 3])
        assert first[:5] == ["exp", "run", "--queue", "--name", "table-2-row-1"]
        assert set(first[5:-1:2]) == {"-S"} and first[-1] == "evaluate-img2text@addsub"
        assert "img2text.encoder=convlstm" in first and "train.mirror=false" in first
        assert "img2text.epochs.addsub=25" in first and "img2text.epochs.addsub=100" in last
        assert "img2text.learning_rate=0.001" in last
        assert len(report_runs("Table 3")) == 10

    @pytest.mark.parametrize("table, rows, fragment", [("Table 9", None, "no 'Table 9' in the report's numbers"),
                                                       ("Table 2", [0, 4], "Table 2 has rows 1 to 3, not 0, 4")])
    def test_name_a_wrong_table_or_row(self, table, rows, fragment) -> None:
        with pytest.raises(Seq2ArithError, match=fragment):
            report_runs(table, rows)

    def test_every_report_row_runs_on_valid_params(self) -> None:
        """Each row's settings, applied to params.yaml, pass every section's checks: `seq2arith queue` never
        queues an experiment that would stop at a params error."""
        for table in report_numbers()["tables"]:
            for run in report_runs(table):
                params = load_params(Path(__file__).parents[1] / "params.yaml")
                for setting in run[6:-1:2]:
                    key, value = setting.split("=", 1)
                    *parents, name = key.split(".")
                    node = params
                    for parent in parents:
                        node = node[parent]
                    node[name] = yaml.safe_load(value)
                for key, cls in (("model", ModelConfig), ("img2text", Img2TextConfig), ("split", SplitConfig),
                                 ("text2text", Text2TextConfig)):
                    section(params, key, cls)


# -- seeds and intervals -------------------------------------------------------------------------------------


class TestInterval:
    """``seeds.interval`` and ``seeds.no_difference`` (report/seeds.py)."""

    def test_of_known_values(self) -> None:
        """Mean and 95% half-width (Student t, n - 1 degrees of freedom) of 1, 2, 3: 2 and 4.3027 / sqrt(3)."""
        mean, half_width = interval([1.0, 2.0, 3.0])
        assert mean == 2.0 and round(half_width, 3) == 2.484
        assert interval([0.5, 0.5, 0.5]) == (0.5, 0.0)
        assert no_difference(0.97, 0.96, 0.02) and not no_difference(0.97, 0.94, 0.02)


class TestTQuantile:
    """``seeds.t_quantile`` (report/seeds.py)."""

    def test_t_table_is_scipys_to_six_places(self) -> None:
        """The table gives scipy's quantiles to the digit, so a table regenerates the same with or without scipy."""
        stats = pytest.importorskip("scipy.stats")
        for degrees in range(1, 31):
            assert t_quantile(degrees) == round(float(stats.t.ppf(0.975, degrees)), 6), degrees


def _seeded(seed: int, exact: float, hidden: int = 256) -> dict:
    """A run of `dvc exp show --json` with ``seed``: text2text and classifier numbers, checkpoints of its own."""
    return {"params": {"params.yaml": {"data": {"seed": seed, "model": {"hidden": hidden}}}},
            "metrics": {"metrics/addsub-text2text.json": {"data": {
                "test": {"exact_match": exact, "unseen_pair_exact_match": 1.0, "char_accuracy": 1.0},
                "train": {"exact_match": 1.0}, "beyond_range": {"exact_match": 0.5 + exact / 10}}},
                "metrics/classifier.json": {"data": {"digit_accuracy": 0.99, "test_accuracy": 0.995}}},
            "outs": {"models/addsub-text2text.pt": {"hash": f"md5-{seed}-{hidden}"},
                     "models/classifier.pt": {"hash": f"md5-c{seed}-{hidden}"}}}


SEEDS_SHOW = [  # the committed run (seed 0) and its seed experiments, on the same commit
    {"rev": "workspace", "name": None, "data": _seeded(0, 1.0), "experiments": None},
    {"rev": "a" * 40, "name": "main", "data": _seeded(0, 1.0), "experiments": [
        {"revs": [{"rev": "b" * 40, "name": "seed-two", "data": _seeded(2, 3.0)}]},
        {"revs": [{"rev": "c" * 40, "name": "seed-one", "data": _seeded(1, 2.0)}]},
        {"revs": [{"rev": "d" * 40, "name": "seed-zero", "data": _seeded(0, 1.0)}]},  # the committed run again
        {"revs": [{"rev": "e" * 40, "name": "wider", "data": _seeded(3, 0.5, hidden=512)}]}]},  # another sweep
]


class TestSeedsTable:
    """``seeds.seed_runs`` and ``seeds.seeds_table`` (report/seeds.py)."""

    def test_from_the_seed_experiments(self) -> None:
        """One row per headline metric some seed has: mean, half-width, n and each seed's value, the runs by seed;
        the header names the commands and the commit the experiments ran on. A run that changed another param is
        not a seed, a run that made nothing of its own is not one either, and metrics no run has are no rows."""
        seeds = seed_runs(TABLES["seeds"], SEEDS_SHOW)
        assert seeds.runs == ((0, "main"), (1, "seed-one"), (2, "seed-two"))
        table = seeds_table(TABLES["seeds"], seeds, Path("reports/seeds.md"), Path("reports/seeds.json"))
        assert ("`seq2arith tables seeds --commits $(git rev-list --count aaaaaaa^..HEAD) --into reports/seeds.md`"
                in table)
        assert "`dvc exp run --queue -S seed=0,1,2`" in table and "run on commit aaaaaaa" in table
        assert "| model | metric | mean | ± 95% | n | main (seed 0) | seed-one (seed 1) | seed-two (seed 2) |" in table
        assert "| addsub-text2text | test exact_match | 2.0000 | 2.4841 | 3 | 1.0000 | 2.0000 | 3.0000 |" in table
        assert "| addsub-text2text | beyond_range exact_match | 0.7000 | 0.2484 | 3 |" in table
        assert "| classifier | digit_accuracy | 0.9900 | 0 | 3 | 0.9900 | 0.9900 | 0.9900 |" in table
        assert "reader_digit_accuracy" not in table and "mul-text2text" not in table
        assert run_names(table) == {"main", "seed-one", "seed-two"}
        stats = seeds.summary()["metrics"]["metrics/addsub-text2text.json"]["test.exact_match"]
        assert stats == {"mean": 2.0, "half_width": 2.484138, "n": 3, "values": {"0": 1.0, "1": 2.0, "2": 3.0}}

    def test_needs_three_seeds(self) -> None:
        """With fewer than three seeds the table says so, and its numbers give the README nothing to show."""
        two = [{**SEEDS_SHOW[1], "experiments": SEEDS_SHOW[1]["experiments"][:1]}]
        seeds = seed_runs(TABLES["seeds"], two)
        table = seeds_table(TABLES["seeds"], seeds, None, Path("reports/seeds.json"))
        assert "Fewer than 3 seeds here (seeds 0 (`main`), 2 (`seed-two`)): no interval yet." in table
        assert "| model |" not in table and seeds.summary() == {"seeds": [0, 2], "metrics": {}}


class TestNoiseNote:
    """``seeds.noise_note`` (report/seeds.py), under the tables of ``markdown.experiment_table``."""

    def test_tables_that_compare_settings_note_the_seed_to_seed_interval(self) -> None:
        """Under a table of settings, the widest seed-to-seed half-width among its columns says how large a
        difference is no difference; without seed numbers there is no note."""
        summary = seed_runs(TABLES["seeds"], SEEDS_SHOW).summary()
        note = ("Differences smaller than ±2.4841 (the seed-to-seed 95% half-width of addsub-text2text test "
                "exact_match, reports/seeds.md) are no difference.")
        assert experiment_table(TABLES["lstm"], EXP_SHOW, seeds=summary).endswith(f"|\n\n{note}\n")
        assert "seed-to-seed" not in experiment_table(TABLES["lstm"], EXP_SHOW)
        train_only = TableSpec("train", ("model.extra_lstm",),
                               (("metrics/addsub-text2text.json", "train.exact_match"),))
        assert "seed-to-seed" not in experiment_table(train_only, EXP_SHOW, seeds=summary)  # no seed numbers of it
        same = noise_note((("metrics/classifier.json", "digit_accuracy"),), summary, Path("reports/seeds.md"))
        assert same == ("Every seed gives the same numbers in the columns of this table that reports/seeds.md has: any "
                        "difference between settings there is one.")  # a half-width of 0


def _metrics_folder(tmp_path: Path) -> Path:
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    scores = {"exact_match": 0.99, "char_accuracy": 0.995, "unseen_pair_exact_match": 0.98}
    (metrics / "addsub-text2text.json").write_text(json.dumps({"train": scores, "test": scores, "beyond_range": {
        "exact_match": 0.75, "3+3_exact_match": 1.0}}))
    (metrics / "classifier.json").write_text(json.dumps({"digit_accuracy": 0.99, "test_accuracy": 0.995}))
    return metrics


class TestShapesTable:
    """``markdown.shapes_table`` (report/markdown.py)."""

    def test_every_shape_of_every_kind(self, tmp_path: Path) -> None:
        """The table past the training range: a row per task and shape (by operator, widest number, narrower number,
        the wider first), a column per kind and img2text's symbolic baseline; a kind without the shape shows '-'."""
        metrics = tmp_path / "metrics"
        metrics.mkdir()
        shapes = {"10-10": 0.25, "3-1": 0.5, "1+3": 0.75, "3+1": 1.0, "3+3": 0.5}
        (metrics / "addsub-text2text.json").write_text(json.dumps({"beyond_range": {
            "exact_match": 0.6, **{f"{shape}_exact_match": value for shape, value in shapes.items()}}}))
        (metrics / "addsub-img2text.json").write_text(json.dumps({"beyond_range": {
            "exact_match": 0.5, "3+1_exact_match": 0.5, "3+1_symbolic_exact_match": 0.375}}))
        rows = shapes_table(metrics).splitlines()
        assert rows[0] == ("| task | shape (digits) | text2text | img2text | img2text's symbolic baseline | "
                           "text2img (read back) |")
        assert rows[2:] == ["| addsub | 3+1 | 1.0000 | 0.5000 | 0.3750 | - |", "| addsub | 1+3 | 0.7500 | - | - | - |",
                            "| addsub | 3+3 | 0.5000 | - | - | - |", "| addsub | 3-1 | 0.5000 | - | - | - |",
                            "| addsub | 10-10 | 0.2500 | - | - | - |"]


def _cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """``seq2arith ARGS`` in this process: (exit status, stdout, stderr)."""
    try:
        cli.main(list(args))
        code = 0
    except SystemExit as exit:
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


class TestTablesCommand:
    """``seq2arith tables`` writing and checking the committed tables (report/check.py)."""

    def test_seeds_table_into_a_new_file_and_the_readme(self, capsys: pytest.CaptureFixture, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
        """`tables seeds --into reports/seeds.md` writes the table (a new file: its markers around it) and
        reports/seeds.json beside it, which `results` reads; `tables --check` then finds both as they should be."""
        monkeypatch.chdir(tmp_path)
        saved = tmp_path / "exp_show.json"
        saved.write_text(json.dumps(SEEDS_SHOW))
        (tmp_path / "reports").mkdir()
        assert _cli(capsys, "tables", "seeds", "--input", str(saved), "--into", "reports/seeds.md")[0] == 0
        text = (tmp_path / "reports/seeds.md").read_text()
        assert text.startswith("<!-- tables:start -->\n### Seeds") and text.endswith("|\n<!-- tables:end -->\n")
        assert json.loads((tmp_path / "reports/seeds.json").read_text())["seeds"] == [0, 1, 2]
        _metrics_folder(tmp_path)
        code, out, _ = _cli(capsys, "results", "--curves", "curves")
        assert code == 0 and "| addsub-text2text | 2.0000 ± 2.4841 (3 seeds) |" in out
        # the header's $(git rev-list --count aaaaaaa^..HEAD)
        monkeypatch.setattr(check, "_commits_since", lambda rev: 1)
        code, out, _ = _cli(capsys, "tables", "--check", "--input", str(saved))
        assert (code, out) == (0, "reports/seeds.md: the same as its experiments give\n")
        (tmp_path / "reports/seeds.json").write_text("{}")
        code, out, _ = _cli(capsys, "tables", "--check", "--input", str(saved))
        assert code == 1 and out.startswith(
            "reports/seeds.json: differs from what its experiments give: run `seq2arith")

    def test_check(self, capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """`tables --check` regenerates each committed table with the command its file names and writes nothing: an
        untouched table passes, a hand-edited one fails with one line naming the command that remakes it, and a
        table whose experiments this clone lacks is not checked."""
        monkeypatch.chdir(tmp_path)
        saved, bare = tmp_path / "exp_show.json", tmp_path / "fresh_clone.json"
        saved.write_text(json.dumps(CHECKED))
        bare.write_text(json.dumps([{**CHECKED[0], "experiments": None}]))  # experiments are local git refs
        reports = tmp_path / "reports"
        reports.mkdir()
        command = "seq2arith tables lstm --into reports/lstm.md"
        (reports / "lstm.md").write_text(f"# LSTM\n\n```\n{command}\n```\n\n<!-- tables:start -->\n"
                                         "<!-- tables:end -->\nUnrelated: `seq2arith tables test-ratio --into x.md`.\n")
        (reports / "notes.md").write_text("No table here.\n")
        assert _cli(capsys, "tables", "lstm", "--input", str(saved), "--into", "reports/lstm.md")[0] == 0
        made = (reports / "lstm.md").read_text()
        assert "| deep-lstm | 2 |" in made
        assert _cli(capsys, "tables", "--check", "--input", str(saved)) == (
            0, "reports/lstm.md: the same as its experiments give\n", "")
        row = "| deep-lstm | 2 | 128 | - | 1.0000 | 0.9800"
        (reports / "lstm.md").write_text(made.replace(row, row.replace("0.9800", "0.9900")))  # a hand-edited number
        code, out, err = _cli(capsys, "tables", "--check", "--input", str(saved))
        assert code == 1
        assert out == f"reports/lstm.md: differs from what its experiments give: run `{command}`\n"
        assert err == "error: 1 of the committed tables differ from what their experiments give\n"
        assert _cli(capsys, "tables", "--check", "--input", str(bare)) == (
            0, "reports/lstm.md: not checked (no experiments here)\n", "")
        assert (reports / "lstm.md").read_text() != made  # --check wrote nothing back


CHECKED = [{"rev": "a" * 40, "name": "main", "data": _data(1, 0.99), "experiments": [
    {"revs": [{"rev": "b" * 40, "name": "deep-lstm", "data": _data(2, 0.98)}]}]}]


class TestCommitted:
    """``check.Committed`` (report/check.py)."""

    def test_commands_count_commits_since_a_revision(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A table's command may count its commits with `$(git rev-list --count REV^..HEAD)`: the check counts them;
        any other shell is not run."""
        monkeypatch.setattr(check, "_commits_since", lambda rev: {"cf881ce": 4}[rev])
        committed = check.Committed(tmp_path / "x.md", "seq2arith tables reader --commits $(git rev-list --count "
                                                       "cf881ce^..HEAD) --into reports/x.md  # a comment")
        assert committed.argv() == ["tables", "reader", "--commits", "4", "--into", "reports/x.md"]
        with pytest.raises(Seq2ArithError, match="shell the check cannot run"):
            check.Committed(tmp_path / "x.md", "seq2arith tables reader --commits $(cat n)").argv()


class TestResultsCommand:
    """``seq2arith results --check`` (report/check.py)."""

    def test_check(self, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        """`results --readme FILE --check` passes on the block the metrics give (the wall-clock training seconds
        aside) and fails, writing nothing, on a hand-edited one."""
        metrics = _metrics_folder(tmp_path)
        readme = tmp_path / "README.md"
        block = results_table(metrics, tmp_path / "curves").replace("- epochs, - s", "- epochs, 12 s")
        readme.write_text(f"# R\n<!-- results:start -->\n{block}<!-- results:end -->\n")
        args = ("results", "--metrics", str(metrics), "--curves", str(tmp_path / "curves"), "--readme", str(readme),
                "--seeds", str(tmp_path / "none.json"), "--check")
        code, out, _ = _cli(capsys, *args)
        assert code == 0 and out.startswith(f"{readme}: the same as its metrics give")
        shapes = tmp_path / "generalisation.md"
        shapes.write_text(f"<!-- shapes:start -->\n{shapes_table(metrics)}<!-- shapes:end -->\n")
        assert _cli(capsys, *args, "--shapes", str(shapes))[0] == 0
        shapes.write_text(shapes.read_text().replace("| 1.0000 |", "| 0.9000 |"))
        assert _cli(capsys, *args, "--shapes", str(shapes))[2] == (
            f"error: {shapes}: differs from what its metrics give: run `seq2arith results --shapes {shapes}`\n")
        readme.write_text(readme.read_text().replace("0.9800", "0.9700"))
        code, out, err = _cli(capsys, *args)
        assert code == 1 and err == (f"error: {readme}: differs from what its metrics give: run `seq2arith results "
                                     f"--readme {readme}`\n")
        assert "0.9700" in readme.read_text()
