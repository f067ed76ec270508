"""JITModelWrapper without Ray: task mode runs in this process, actor mode gives an instance."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import torchscript
from torchscript import JITModelWrapper, _ray
from conftest import assert_matches_case, case_dir, case_inputs, mlp_archive

MLP = case_dir("mlp_traced") / "model.pt"


@pytest.fixture(autouse=True)
def no_ray(monkeypatch):
    monkeypatch.setattr(_ray, "ray_active", lambda: False)


class Pipeline:
    """An encoder/decoder pipeline: its own __call__ must run unchanged."""

    def __init__(self, encoder, decoder):
        self.encoder = encoder
        self.decoder = decoder
        self.scale = 2.0

    def __call__(self, x):
        return self.decoder(self.encoder(x)) * self.scale


def test_for_tasks_runs_locally():
    model = JITModelWrapper.for_tasks(torchscript.load(MLP.read_bytes()))
    assert_matches_case("mlp_traced", model(*case_inputs("mlp_traced")))
    assert_matches_case("mlp_traced", model.forward(*case_inputs("mlp_traced")))


def test_actor_mode_gives_an_instance():
    wrapper = JITModelWrapper.from_model(str(MLP), mode="actor")
    model = wrapper.load()
    assert isinstance(model, torchscript.Module) and model.is_instance
    assert model.eval() is model
    assert_matches_case("mlp_traced", model(*case_inputs("mlp_traced")))


def test_invalid_mode():
    with pytest.raises(ValueError, match="Invalid mode: bogus"):
        JITModelWrapper.from_model(str(MLP), mode="bogus")


def test_method_allow_list():
    path = case_dir("exported_method_scripted") / "model.pt"
    model = JITModelWrapper.for_tasks(torchscript.load(path), method_names=("encode", "nope"))
    x, t = case_inputs("exported_method_scripted")
    assert_matches_case("exported_method_scripted", model.encode(x, float(t)))
    assert model._allowed_methods == {"encode", "__call__"}
    with pytest.raises(AttributeError):
        model.stats  # exists in the model but is not allow-listed
    with pytest.raises(AttributeError):
        model.nope  # allow-listed but not in the model
    with pytest.raises(AttributeError):
        model._private
    default = JITModelWrapper.for_tasks(str(path))
    with pytest.raises(AttributeError):
        default.encode


def test_pipeline_task_and_actor_modes(encoder_decoder):
    enc, dec, enc_w, dec_w = encoder_decoder
    x = np.random.default_rng(3).standard_normal((5, 64), dtype=np.float32)
    want = mlp_archive.reference_forward(dec_w, mlp_archive.reference_forward(enc_w, x)) * 2.0
    pipeline = Pipeline(torchscript.load(enc.read_bytes()), torchscript.load(str(dec)))
    for mode in ("task", "actor"):
        wrapper = JITModelWrapper.from_model(pipeline, mode=mode)
        assert set(wrapper.model_refs) == {"encoder", "decoder"}
        assert wrapper._skeleton.encoder is None, "the skeleton holds no model"
        loaded = wrapper.load()
        assert isinstance(loaded, Pipeline) and loaded is not pipeline
        assert loaded.scale == 2.0
        np.testing.assert_allclose(loaded(x), want, rtol=1e-4, atol=1e-4)
        again = pickle.loads(pickle.dumps(wrapper)).load()
        np.testing.assert_allclose(again(x), want, rtol=1e-4, atol=1e-4)


def test_wrapper_from_a_path_pickles_as_the_path():
    wrapper = JITModelWrapper.from_model(str(MLP), mode="actor")
    data = pickle.dumps(wrapper)
    assert len(data) < 2000 and str(MLP).encode() in data
    assert_matches_case("mlp_traced", pickle.loads(data).load()(*case_inputs("mlp_traced")))


def test_serialize_deserialize_getstate_setstate():
    wrapper = JITModelWrapper.from_model(str(MLP), mode="task")
    parts = wrapper.serialize()
    assert set(parts) == {"skeleton", "model_info", "is_standalone_module", "mode"}
    again = JITModelWrapper.deserialize(**parts)
    assert_matches_case("mlp_traced", again.load()(*case_inputs("mlp_traced")))
    state = wrapper.__getstate__()
    assert set(state) == {"_skeleton", "_model_info", "_is_standalone_module", "_mode"}
    blank = JITModelWrapper.__new__(JITModelWrapper)
    blank.__setstate__(state)
    assert_matches_case("mlp_traced", blank.load()(*case_inputs("mlp_traced")))
