"""torchscript.load and Module: sources, golden outputs (PyTorch's), methods, parameters, values both ways, threads."""

from __future__ import annotations

import io
import pathlib
import pickle
import threading

import numpy as np
import pytest

import torchscript
from conftest import assert_matches_case, call_case, case_dir, case_inputs, case_outputs, flatten

GOLDEN = [
    "mlp_traced",
    "mlp_scripted",
    "resnet_basic_traced",
    "float16_mlp_traced",
    "float64_mlp_scripted",
    "bfloat16_mlp_traced",
    "int_bool_arith_scripted",
    "dict_tuple_output_scripted",
    "lstm_tagger_traced",
    "strings_lists_scripted",
    "transformer_encoder_traced",
    "exported_method_scripted",
]


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_case_matches_pytorch(name):
    module = torchscript.load(case_dir(name) / "model.pt")
    assert_matches_case(name, call_case(module, name))


# (case, whether its products make derived forms: 4 rows go to the weight-streaming kernel)
@pytest.mark.parametrize("name,makes_forms", [("transformer_encoder_traced", True), ("mlp_traced", False)])
def test_derived_weights_are_off_by_default_and_match_pytorch_when_on(name, makes_forms):
    module = torchscript.load(case_dir(name) / "model.pt")
    assert module.derived_weights is False
    assert_matches_case(name, call_case(module, name))
    assert module.derived_weight_bytes == 0
    module.derived_weights = True
    assert_matches_case(name, call_case(module, name))
    made = module.derived_weight_bytes
    assert (made > 0) == makes_forms
    # the same forms serve the next call: none is made twice
    assert_matches_case(name, call_case(module, name))
    assert module.derived_weight_bytes == made
    module.derived_weights = False
    assert module.derived_weight_bytes == 0


def _sources(path: pathlib.Path):
    data = path.read_bytes()
    return {
        "str": str(path),
        "pathlib": path,
        "bytes": data,
        "bytearray": bytearray(data),
        "memoryview": memoryview(data),
        "numpy": np.frombuffer(data, dtype=np.uint8),
        "file": io.BytesIO(data),
    }


@pytest.mark.parametrize(
    "kind", ["str", "pathlib", "bytes", "bytearray", "memoryview", "numpy", "file"]
)
def test_every_source_kind_loads_and_runs(kind):
    path = case_dir("mlp_traced") / "model.pt"
    module = torchscript.load(_sources(path)[kind])
    assert_matches_case("mlp_traced", module(*case_inputs("mlp_traced")))


def test_memory_source_is_borrowed_not_copied():
    data = bytearray((case_dir("mlp_traced") / "model.pt").read_bytes())
    module = torchscript.load(data)
    whole = np.frombuffer(data, dtype=np.uint8)
    params = dict(module.named_parameters())
    assert params, "no parameters"
    for name, array in params.items():
        assert np.shares_memory(array, whole), f"{name} is a copy"
    assert np.shares_memory(module.archive_bytes(), whole)
    assert module.copied_weight_bytes == 0
    # The module keeps the memory alive after the caller drops it.
    del data, whole
    assert_matches_case("mlp_traced", module(*case_inputs("mlp_traced")))


def test_parameters_are_read_only_views_with_torch_names():
    module = torchscript.load(case_dir("mlp_traced") / "model.pt")
    names = [n for n, _ in module.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]
    weight = dict(module.named_parameters())["fc1.weight"]
    assert weight.shape == (32, 16) and weight.dtype == np.float32
    assert not weight.flags.writeable
    with pytest.raises(ValueError):
        weight[0, 0] = 1.0
    state = module.state_dict()
    assert list(state) == names
    np.testing.assert_array_equal(state["fc1.weight"], weight)
    assert module.mapped_weight_bytes == sum(a.nbytes for _, a in module.named_parameters())


def test_buffers_are_in_state_dict_but_not_parameters():
    module = torchscript.load(case_dir("cnn_bn_traced") / "model.pt")
    params = {n for n, _ in module.named_parameters()}
    buffers = {n for n, _ in module.named_buffers()}
    assert any(n.endswith("running_mean") for n in buffers)
    assert not params & buffers
    assert set(module.state_dict()) == params | buffers


def test_methods_signatures_code_eval():
    module = torchscript.load(case_dir("exported_method_scripted") / "model.pt")
    assert module.methods() == ["encode", "forward", "stats"]
    assert module.signature() == "forward(x: Tensor) -> Tensor"
    assert module.signature("encode") == "encode(x: Tensor, temperature: float) -> Tensor"
    assert module.encode.signature == module.signature("encode")
    assert dict(module.signatures())["stats"] == "stats(x: Tensor) -> Tuple[int, float]"
    assert module.eval() is module
    assert module.train(False) is module
    assert module.training is False
    assert "def encode(self" in module.code
    assert "encode" in dir(module)
    x = case_inputs("exported_method_scripted")[0]
    numel, total = module.stats(x)
    assert numel == x.size and isinstance(numel, int)
    assert total == pytest.approx(float(np.abs(x.astype(np.float64)).sum()), rel=1e-5)
    # keyword arguments bind by parameter name
    t = float(case_inputs("exported_method_scripted")[1])
    assert_matches_case("exported_method_scripted", module.encode(x=x, temperature=t))
    assert_matches_case("exported_method_scripted", module.run_method("encode", x, t))


def test_outputs_are_numpy_owned_by_python():
    module = torchscript.load(case_dir("mlp_traced") / "model.pt")
    (x,) = case_inputs("mlp_traced")
    y = module(x)
    assert isinstance(y, np.ndarray) and y.flags.writeable
    y += 1  # the result belongs to the caller
    del module
    assert np.isfinite(y).all()


def test_strided_and_reversed_inputs_match_contiguous():
    module = torchscript.load(case_dir("mlp_traced") / "model.pt")
    (x,) = case_inputs("mlp_traced")
    want = module(np.ascontiguousarray(x))
    wide = np.zeros((x.shape[0], x.shape[1] * 2), dtype=np.float32)
    wide[:, ::2] = x
    np.testing.assert_allclose(module(wide[:, ::2]), want, rtol=1e-6, atol=1e-6)
    fortran = np.asfortranarray(x)
    np.testing.assert_allclose(module(fortran), want, rtol=1e-6, atol=1e-6)
    reversed_rows = np.ascontiguousarray(x[::-1])[::-1]
    np.testing.assert_allclose(module(reversed_rows), want, rtol=1e-6, atol=1e-6)
    big_endian = x.astype(">f4")
    np.testing.assert_allclose(module(big_endian), want, rtol=1e-6, atol=1e-6)


def test_numpy_scalars_and_python_numbers_as_arguments():
    module = torchscript.load(case_dir("exported_method_scripted") / "model.pt")
    x, t = case_inputs("exported_method_scripted")
    assert_matches_case("exported_method_scripted", module.encode(x, np.float64(t)))
    assert_matches_case("exported_method_scripted", module.encode(x, float(t)))


def test_bfloat16_results_are_ml_dtypes_or_float32():
    module = torchscript.load(case_dir("bfloat16_mlp_traced") / "model.pt")
    result = call_case(module, "bfloat16_mlp_traced")
    assert_matches_case("bfloat16_mlp_traced", result)
    dtypes = {np.asarray(a).dtype.name for a in flatten(result)}
    try:
        import ml_dtypes  # noqa: F401
    except ImportError:
        assert "bfloat16" not in dtypes
    else:
        assert "bfloat16" in dtypes, dtypes


def test_many_threads_share_one_module():
    module = torchscript.load(case_dir("resnet_basic_traced") / "model.pt")
    inputs = case_inputs("resnet_basic_traced")
    want = case_outputs("resnet_basic_traced")[0]
    errors: list[BaseException] = []

    def work():
        try:
            for _ in range(3):
                got = module(*inputs)
                np.testing.assert_allclose(got, want, atol=1e-4, rtol=1e-3)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_instance_keeps_state_module_calls_do_not():
    module = torchscript.load(case_dir("mlp_traced") / "model.pt")
    worker = module.instance()
    assert worker.is_instance and not module.is_instance
    assert_matches_case("mlp_traced", worker(*case_inputs("mlp_traced")))


@pytest.mark.parametrize("from_path", [True, False])
def test_module_pickles(from_path):
    path = case_dir("mlp_traced") / "model.pt"
    module = torchscript.load(path if from_path else path.read_bytes())
    data = pickle.dumps(module)
    if from_path:
        assert len(data) < 1000, "a module from a path pickles as its path"
    again = pickle.loads(data)
    assert again.path == module.path
    assert_matches_case("mlp_traced", again(*case_inputs("mlp_traced")))
    assert pickle.loads(pickle.dumps(module.instance())).is_instance


def test_torch_tensors_in_torch_tensors_out():
    torch = pytest.importorskip("torch")
    module = torchscript.load(case_dir("mlp_traced") / "model.pt")
    (x,) = case_inputs("mlp_traced")
    y = module(torch.from_numpy(x))
    assert isinstance(y, torch.Tensor)
    assert_matches_case("mlp_traced", y.numpy())
    t = torch.from_numpy(x).t().contiguous().t()  # a strided torch view
    assert_matches_case("mlp_traced", module(t).numpy())


def test_bfloat16_torch_round_trip():
    torch = pytest.importorskip("torch")
    module = torchscript.load(case_dir("bfloat16_mlp_traced") / "model.pt")
    args = [torch.from_numpy(a) for a in case_inputs("bfloat16_mlp_traced")]
    scripted = torch.jit.load(str(case_dir("bfloat16_mlp_traced") / "model.pt"))
    want = scripted(*args)
    got = module(*args)
    assert isinstance(got, tuple) and len(got) == len(want) == 2  # (bfloat16, float32)
    for g, w in zip(got, want):
        assert isinstance(g, torch.Tensor) and g.dtype == w.dtype
        torch.testing.assert_close(g.float(), w.float(), atol=2e-2, rtol=2e-2)


def test_load_a_script_module():
    torch = pytest.importorskip("torch")
    scripted = torch.jit.load(str(case_dir("mlp_traced") / "model.pt"))
    module = torchscript.load(scripted)
    (x,) = case_inputs("mlp_traced")
    assert_matches_case("mlp_traced", module(x))
    assert_matches_case("mlp_traced", flatten(scripted(torch.from_numpy(x)).detach().numpy()))
