"""Hostile and wrong input from Python: clean exceptions, the interpreter survives."""

from __future__ import annotations

import numpy as np
import pytest

import torchscript
from conftest import case_dir, case_inputs

MLP = case_dir("mlp_traced") / "model.pt"


@pytest.fixture(scope="module")
def mlp():
    return torchscript.load(MLP)


@pytest.mark.parametrize(
    "data",
    [b"", b"not a zip at all", b"PK\x03\x04" + b"\x00" * 100, bytes(range(256)) * 64],
    ids=["empty", "text", "zip-magic-only", "noise"],
)
def test_garbage_bytes_raise_torchscript_error(data):
    with pytest.raises(torchscript.Error):
        torchscript.load(data)


def test_truncated_archives_raise_cleanly():
    data = MLP.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 100):
        with pytest.raises(torchscript.Error):
            torchscript.load(data[:cut])


def test_corrupted_archives_never_crash():
    data = bytearray(MLP.read_bytes())
    rng = np.random.default_rng(0)
    outcomes = set()
    for _ in range(60):
        corrupt = bytearray(data)
        for i in rng.integers(0, len(corrupt), size=8):
            corrupt[i] ^= 0xFF
        try:
            m = torchscript.load(bytes(corrupt))
            m(*case_inputs("mlp_traced"))
            outcomes.add("ran")
        except (torchscript.Error, ValueError, TypeError) as e:
            outcomes.add(type(e).__name__)
    assert "Error" in outcomes  # at least some corruptions are detected


def test_missing_file_is_file_not_found():
    with pytest.raises(FileNotFoundError):
        torchscript.load("/nonexistent/model.pt")


def test_unsupported_source_type():
    with pytest.raises(TypeError):
        torchscript.load(12345)


def test_wrong_argument_types(mlp):
    with pytest.raises(TypeError, match="must be Tensor"):
        mlp("a string")
    with pytest.raises(TypeError, match="must be Tensor"):
        mlp(3)
    with pytest.raises(TypeError, match="cannot be passed"):
        mlp(object())
    with pytest.raises(TypeError, match="not supported"):
        mlp(np.zeros((4, 16), dtype=np.complex64))
    with pytest.raises(TypeError, match="not supported"):
        mlp(np.zeros((4, 16), dtype=np.uint32))


def test_wrong_argument_count_and_names(mlp):
    (x,) = case_inputs("mlp_traced")
    with pytest.raises(TypeError, match="takes 1 arguments but 2"):
        mlp(x, x)
    with pytest.raises(TypeError, match="unexpected keyword"):
        mlp(y=x)
    with pytest.raises(TypeError, match="multiple values"):
        mlp(x, x=x)


def test_wrong_shape_is_a_runtime_error_with_stack(mlp):
    with pytest.raises(torchscript.Error) as info:
        mlp(np.zeros((4, 7), dtype=np.float32))
    assert isinstance(info.value, RuntimeError)
    assert info.value.stack, "the TorchScript call stack is attached"
    function, file, line = info.value.stack[0]
    assert file.startswith("code/") and line > 0


def test_missing_method(mlp):
    with pytest.raises(AttributeError):
        mlp.no_such_method
    with pytest.raises(AttributeError):
        mlp.run_method("no_such_method")
    with pytest.raises(AttributeError):
        mlp.signature("no_such_method")


def test_values_out_of_range():
    module = torchscript.load(case_dir("exported_method_scripted") / "model.pt")
    (x, _) = case_inputs("exported_method_scripted")
    with pytest.raises((ValueError, OverflowError)):
        module.encode(x, 2**80)
    nested: list = []
    for _ in range(200):
        nested = [nested]
    with pytest.raises(ValueError, match="nested"):
        module.encode(nested, 1.0)


def test_the_interpreter_still_works_after_all_that(mlp):
    (x,) = case_inputs("mlp_traced")
    assert mlp(x).shape == (4, 5)
