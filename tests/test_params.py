"""Tests of seq2arith.params: params.yaml is parsed into the validated dataclass of every section."""

from __future__ import annotations

import dataclasses
import inspect
import io
import re
import tokenize
from functools import partial
from pathlib import Path

import pytest

from assertions import one_line_error
from seq2arith import kinds
from seq2arith.data.mnist import DataConfig
from seq2arith.data.operator_glyphs import GlyphsConfig
from seq2arith.data.queries import MAX_QUERIES, SplitConfig, TaskConfig
from seq2arith.figures.plots import SamplesConfig
from seq2arith.kinds.classifier import ClassifierConfig
from seq2arith.kinds.img2text import Img2TextConfig
from seq2arith.kinds.text2img import DrawingConfig, Text2ImgConfig
from seq2arith.kinds.text2text import Text2TextConfig
from seq2arith.models.cores import ModelConfig
from seq2arith.params import (
    ParamsError,
    device,
    load_params,
    parse_section,
    section,
    seed,
)
from seq2arith.training.plan import TrainConfig

PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"
SECTIONS = {
    "data": DataConfig,
    "glyphs": GlyphsConfig,
    "tasks.addsub": TaskConfig,
    "tasks.mul": TaskConfig,
    "split": SplitConfig,
    "model": ModelConfig,
    "train": TrainConfig,
    "text2text": Text2TextConfig,
    "img2text": Img2TextConfig,
    "text2img": Text2ImgConfig,
    "drawing": DrawingConfig,
    "samples": SamplesConfig,
    "classifier": ClassifierConfig,
    "judge": ClassifierConfig,
}


params_error = partial(one_line_error, ParamsError)  # one-line ParamsError message of call(*args)


def raw(key: str) -> dict:
    """The raw mapping of ``key`` (dotted) in the repository's params.yaml."""
    node = load_params(PARAMS)
    for part in key.split("."):
        node = node[part]
    return node


# --- the real params.yaml ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", SECTIONS)
def test_params_yaml_section_loads(key):
    """Every section of the real params.yaml loads into its dataclass with the values written there."""
    params = load_params(PARAMS)
    config = section(params, key, SECTIONS[key])
    assert type(config) is SECTIONS[key]
    for name, value in raw(key).items():
        assert getattr(config, name) == value


@pytest.mark.parametrize("key", SECTIONS)
def test_each_key_is_explained_in_one_place_params_yaml(key):
    """Every field of a section's dataclass is written in params.yaml, where its meaning is explained beside its
    value; the fields carry no comments of their own to drift apart from those."""
    cls = SECTIONS[key]
    assert set(raw(key)) == {field.name for field in dataclasses.fields(cls)}
    for klass in cls.__mro__[:-1]:
        body = inspect.getsource(klass).split("    def ")[0]
        comments = [token.string for token in tokenize.generate_tokens(io.StringIO(body).readline)
                    if token.type == tokenize.COMMENT and "type: ignore" not in token.string]
        assert not comments, f"{klass.__name__}: explain these in params.yaml instead: {comments}"


def test_params_yaml_seed():
    """The real params.yaml has a valid non-negative integer seed."""
    params = load_params(PARAMS)
    assert seed(params) == params["seed"]
    assert isinstance(seed(params), int) and seed(params) >= 0


def test_defaults_fill_missing_optional_keys():
    """Keys left out of a section take the dataclass defaults."""
    config = parse_section(ModelConfig, {"hidden": 64}, "model")
    assert config == dataclasses.replace(ModelConfig(), hidden=64)


def test_int_is_accepted_and_converted_where_float_expected():
    """An integer given for a float key is accepted and stored as a float."""
    config = parse_section(Text2TextConfig, {"learning_rate": 1}, "text2text")
    assert config.learning_rate == 1.0 and isinstance(config.learning_rate, float)


def test_optional_values_accept_null():
    """Optional keys (data.idx_dir, data.mirrors) accept null."""
    config = parse_section(DataConfig, {"idx_dir": None, "mirrors": None}, "data")
    assert config.idx_dir is None and config.mirrors is None


# --- wrong types ---------------------------------------------------------------------------------------------------

def test_string_for_int():
    """A string where an int is expected names key, value and the expected type."""
    message = params_error(parse_section, ModelConfig, {"hidden": "big"}, "model")
    assert "model.hidden" in message and "'big'" in message and "must be of type int" in message


def test_bool_for_int():
    """A bool is not accepted as an int."""
    message = params_error(parse_section, ModelConfig, {"extra_lstm": True}, "model")
    assert "model.extra_lstm" in message and "True" in message and "must be of type int" in message


def test_bool_for_float():
    """A bool is not accepted as a float."""
    message = params_error(parse_section, SplitConfig, {"test_ratio": True}, "split")
    assert "split.test_ratio" in message and "True" in message and "must be of type float" in message


def test_int_for_bool():
    """An int is not accepted as a bool."""
    message = params_error(parse_section, ModelConfig, {"bidirectional": 1}, "model")
    assert "model.bidirectional" in message and "= 1" in message and "must be of type bool" in message


def test_wrong_list_element_type():
    """A list element of the wrong type is named by its index."""
    message = params_error(parse_section, GlyphsConfig, {"thickness": [2, "x"]}, "glyphs")
    assert "glyphs.thickness[1]" in message and "'x'" in message and "must be of type int" in message


def test_scalar_for_list():
    """A scalar where a list is expected is rejected."""
    message = params_error(parse_section, TaskConfig, {"operators": "+"}, "tasks.x")
    assert "tasks.x.operators" in message and "'+'" in message and "must be a list of str" in message


def test_section_not_a_mapping():
    """A section that is not a mapping is rejected."""
    message = params_error(section, {"model": 5}, "model", ModelConfig)
    assert "model = 5" in message and "must be a mapping" in message


# --- out of range --------------------------------------------------------------------------------------------------

def test_test_ratio_out_of_range():
    """split.test_ratio = 1.5 is rejected with the allowed range."""
    message = params_error(parse_section, SplitConfig, {"test_ratio": 1.5}, "split")
    assert "split.test_ratio = 1.5" in message and "between 0 and 1 (exclusive)" in message


def test_dropout_of_one_rejected():
    """model.dropout = 1 is rejected: dropout must be in [0, 1)."""
    message = params_error(parse_section, ModelConfig, {"dropout": 1}, "model")
    assert re.search(r"model\.dropout = 1(\.0)?:", message) and "[0, 1)" in message


def test_bad_thickness_range():
    """glyphs.thickness with min > max is rejected."""
    message = params_error(parse_section, GlyphsConfig, {"thickness": [3, 2]}, "glyphs")
    assert "glyphs.thickness = [3, 2]" in message and "1 <= min <= max <= 6" in message


def test_unknown_data_source():
    """An unknown data.source lists the allowed sources."""
    message = params_error(parse_section, DataConfig, {"source": "ftp"}, "data")
    assert "data.source = 'ftp'" in message and "bundled, torchvision, idx" in message


def test_idx_source_needs_folder():
    """data.source idx without idx_dir is rejected."""
    message = params_error(parse_section, DataConfig, {"source": "idx"}, "data")
    assert "data.idx_dir = None" in message and "IDX" in message


def test_unknown_operator():
    """An operator outside + - * is rejected with the allowed operators."""
    message = params_error(parse_section, TaskConfig, {"operators": ["+", "/"]}, "tasks.x")
    assert "tasks.x.operators = ['+', '/']" in message and "['+', '-', '*']" in message


def test_duplicate_operator():
    """A repeated operator is rejected."""
    message = params_error(parse_section, TaskConfig, {"operators": ["+", "+"]}, "tasks.x")
    assert "tasks.x.operators" in message and "distinct" in message


def test_img2text_convlstm_needs_a_reader_trained_with_the_core():
    """The convlstm encoder with a reader of symbols is rejected (cross-key check)."""
    message = params_error(parse_section, Img2TextConfig, {"encoder": "convlstm"}, "img2text")
    assert "img2text.encoder = 'convlstm'" in message and "reader: trained" in message


# --- missing and unknown keys --------------------------------------------------------------------------------------

def test_missing_required_key():
    """A task without operators names the missing key."""
    message = params_error(section, {"tasks": {"x": {"highest_integer": 9}}}, "tasks.x", TaskConfig)
    assert "tasks.x.operators" in message and "missing required key" in message


def test_missing_section():
    """A section absent from params is reported by its dotted key."""
    message = params_error(section, {"tasks": {}}, "tasks.nothere", TaskConfig)
    assert "tasks.nothere" in message and "missing required key" in message


def test_unknown_key():
    """An unknown key names itself, its value and lists the allowed keys."""
    message = params_error(parse_section, ModelConfig, {"typo": 3}, "model")
    assert "model.typo = 3" in message and "unknown key" in message
    assert ("allowed: batchnorm, bidirectional, carry, core, decoder, dropout, extra_lstm, features, hidden, "
            "mlp_layers, reverse_answer") in message


# --- the too-many-queries check ------------------------------------------------------------------------------------

def test_too_many_queries():
    """A task with more than MAX_QUERIES queries is rejected with the count."""
    message = params_error(parse_section, TaskConfig,
                           {"operators": ["+", "-", "*"], "highest_integer": 999, "num_addends": 3}, "tasks.x")
    assert "tasks.x = '9,000,000,000 queries'" in message and "too many queries" in message


def test_too_many_queries_suggests_a_sample():
    """The too-many-queries error names max_queries, and with it the same task is accepted."""
    settings = {"operators": ["+", "-", "*"], "highest_integer": 999, "num_addends": 3}
    assert "sample fewer with tasks.x.max_queries" in params_error(parse_section, TaskConfig, settings, "tasks.x")
    task = parse_section(TaskConfig, {**settings, "max_queries": 50_000}, "tasks.x")
    assert task.max_queries == 50_000 and task.distinct_queries == 9 * 10**9


@pytest.mark.parametrize(("value", "fragment"), [
    (0, "must be null (every query) or an integer >= 1"),
    (-3, "must be null (every query) or an integer >= 1"),
    (201, "more than the 200 distinct queries this task has"),
    (1.5, "must be of type int"),
])
def test_bad_max_queries(value, fragment):
    """max_queries below 1 or beyond what the task holds is one line naming the key and the value."""
    message = params_error(parse_section, TaskConfig, {"operators": ["+", "-"], "highest_integer": 9,
                                                       "max_queries": value}, "tasks.x")
    assert f"tasks.x.max_queries = {value!r}" in message and fragment in message


def test_max_queries_at_most_what_is_stored():
    """A sample larger than MAX_QUERIES is refused even where the task holds more."""
    message = params_error(parse_section, TaskConfig, {"operators": ["+"], "highest_integer": 9999,
                                                       "max_queries": MAX_QUERIES + 1}, "tasks.x")
    assert f"must be at most {MAX_QUERIES:,}" in message
    parse_section(TaskConfig, {"operators": ["+"], "highest_integer": 9999, "max_queries": 1}, "tasks.x")


def test_query_count_limit_is_inclusive():
    """A task just under the limit is accepted while one just over it is rejected."""
    assert 1414 ** 2 <= MAX_QUERIES < 1415 ** 2
    parse_section(TaskConfig, {"operators": ["+"], "highest_integer": 1413}, "tasks.x")
    message = params_error(parse_section, TaskConfig, {"operators": ["+"], "highest_integer": 1414}, "tasks.x")
    assert "2,002,225 queries" in message


# --- files and seed ------------------------------------------------------------------------------------------------

def test_non_mapping_params_file(tmp_path):
    """A params file holding a YAML list is rejected, naming the file."""
    path = tmp_path / "params.yaml"
    path.write_text("- a\n- b\n")
    message = params_error(load_params, path)
    assert str(path) in message and "'list'" in message and "must be a YAML mapping" in message


def test_empty_params_file(tmp_path):
    """An empty params file is not a mapping."""
    path = tmp_path / "params.yaml"
    path.write_text("")
    message = params_error(load_params, path)
    assert "must be a YAML mapping" in message


def test_invalid_yaml(tmp_path):
    """Malformed YAML gives a one-line ParamsError naming the file."""
    path = tmp_path / "params.yaml"
    path.write_text("seed: [1,\nmodel: {\n")
    message = params_error(load_params, path)
    assert str(path) in message and "cannot read parameters" in message


def test_missing_params_file(tmp_path):
    """A missing params file gives a ParamsError naming the file."""
    message = params_error(load_params, tmp_path / "absent.yaml")
    assert "absent.yaml" in message and "cannot read parameters" in message


@pytest.mark.parametrize("value", [-1, True, "0", 1.5, None])
def test_bad_seed(value):
    """A seed that is not a non-negative int (or is missing) is rejected."""
    message = params_error(seed, {"seed": value})
    assert f"seed = {value!r}" in message and "integer >= 0" in message


@pytest.mark.parametrize("value", ["auto", "cpu", "cuda", "cuda:0", "cuda:12"])
def test_device_spellings(value):
    """auto, cpu, cuda and cuda:N are the device setting's values; without the key it is auto."""
    assert device({"device": value}) == value
    assert device({}) == "auto" and device(load_params(PARAMS)) == "auto"


@pytest.mark.parametrize("value", ["gpu", "CUDA", "cuda:", "cuda:x", "mps", "", 0, None])
def test_bad_device(value):
    """Any other device is one line naming the key, the value and what is allowed."""
    message = params_error(device, {"device": value})
    assert f"device = {value!r}" in message and "allowed: auto (CUDA when available, else the CPU), cpu" in message


def test_params_yaml_lists_every_setting() -> None:
    """Every field of every config dataclass has a value in params.yaml, so `dvc exp run -S` can set it."""
    params = load_params(Path(__file__).resolve().parents[1] / "params.yaml")
    sections = {"data": DataConfig, "glyphs": GlyphsConfig, "split": SplitConfig, "model": ModelConfig,
                "classifier": ClassifierConfig, "judge": ClassifierConfig, "tasks.addsub": TaskConfig,
                "tasks.mul": TaskConfig, "train": TrainConfig, "samples": SamplesConfig, "drawing": DrawingConfig,
                **{kind: kinds.named(kind).options for kind in kinds.ARITHMETIC}}
    for key, cls in sections.items():
        node = params
        for part in key.split("."):
            node = node[part]
        assert {f.name for f in dataclasses.fields(cls)} == set(node), key


@pytest.mark.parametrize(("setting", "cores"), [({"extra_lstm": 2}, "the columns and lstm cores have it"),
                                               ({"bidirectional": True}, "the lstm core has it"),
                                               ({"batchnorm": True}, "the lstm core has it")])
def test_lstm_settings_need_a_core_with_lstms(setting: dict, cores: str) -> None:
    """An LSTM setting under the MLP core would change nothing: it is named, with the cores that have it."""
    message = params_error(parse_section, ModelConfig, {"core": "mlp", **setting}, "model")
    (name, value), = setting.items()
    assert f"model.{name} = {value!r}: only {cores}" in message
    parse_section(ModelConfig, {"core": "lstm", **setting}, "model")


def test_extra_lstm_is_a_setting_of_the_columns_core() -> None:
    """model.extra_lstm stacks the column core's encoder (report Tables 1 and 4); its other LSTM settings do not
    apply and are still named."""
    assert parse_section(ModelConfig, {"core": "columns", "extra_lstm": 2}, "model").extra_lstm == 2
    message = params_error(parse_section, ModelConfig, {"core": "columns", "bidirectional": True}, "model")
    assert "model.bidirectional = True: only the lstm core has it (model.core is 'columns')" in message


# --- per-task epochs ------------------------------------------------------------------------------------------------

def test_epochs_per_task_resolve_for_each_task():
    """A kind's epochs (and text2img's image_epochs) are one number for every task or one per task name."""
    options = parse_section(Text2ImgConfig, {"epochs": {"addsub": 20, "mul": 60}, "image_epochs": {"addsub": 10,
                                                                                                    "mul": 30}},
                            "text2img")
    assert (options.for_task("addsub", "text2img").epochs, options.for_task("addsub", "text2img").image_epochs) \
        == (20, 10)
    assert options.for_task("mul", "text2img") == dataclasses.replace(options, epochs=60, image_epochs=30)
    assert parse_section(Text2TextConfig, {"epochs": 7}, "text2text").for_task("anything", "text2text").epochs == 7


@pytest.mark.parametrize("value, fragment", [
    ({"addsub": 0}, "text2text.epochs.addsub = 0: must be an integer from 1 to 10000"),
    ({"addsub": "many"}, "text2text.epochs.addsub = 'many': must be of type int"),
    ({}, "text2text.epochs = {}: must be a mapping of task names to int"),
    ("many", "text2text.epochs = 'many': must be of type int or a mapping of task names to int"),
    (2.5, "must be of type int or a mapping of task names to int"),
])
def test_bad_epochs_per_task(value, fragment):
    assert fragment in params_error(parse_section, Text2TextConfig, {"epochs": value}, "text2text")


def test_epochs_per_task_name_the_missing_task():
    options = parse_section(Img2TextConfig, {"epochs": {"addsub": 20}}, "img2text")
    message = params_error(options.for_task, "mul", "img2text")
    assert "img2text.epochs = {'addsub': 20}: names no value for task 'mul'" in message


def test_classifier_epochs_are_one_number():
    """The classifier is trained once for every task: its epochs are no mapping."""
    message = params_error(parse_section, ClassifierConfig, {"epochs": {"addsub": 3}}, "classifier")
    assert "classifier.epochs" in message and "must be of type int" in message


@pytest.mark.parametrize(("section_", "cls", "values", "fragment"), [
    ("classifier", ClassifierConfig, {"augment": ["affine", "blur"]},
     "classifier.augment = ['affine', 'blur']: must be a list of augmentations from ['affine', 'faint']"),
    ("classifier", ClassifierConfig, {"members": 0}, "classifier.members = 0: must be an integer from 1 to 16"),
    ("split", SplitConfig, {"validation_ratio": 0.0},
     "split.validation_ratio = 0.0: must be between 0 and 1 (exclusive)"),
    ("classifier", ClassifierConfig, {"operator_share": 0}, "classifier.operator_share = 0.0: must be in (0, 1]"),
    ("train", TrainConfig, {"value_loss": -1}, "train.value_loss = -1.0: must be >= 0"),
    ("model", ModelConfig, {"core": "columns", "reverse_answer": False},
     "model.reverse_answer = False: the columns core answers units first"),
])
def test_new_settings_are_checked(section_: str, cls: type, values: dict, fragment: str) -> None:
    """The reader's and the core's settings of this round are one line naming the key, the value and what is allowed."""
    assert fragment in params_error(parse_section, cls, values, section_)
