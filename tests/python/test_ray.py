"""JITModelWrapper on a real local Ray: the usage of ray-zerocopy's users, with only the import changed."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import torchscript
from torchscript import JITModelWrapper
from conftest import assert_matches_case, case_dir, case_inputs, case_outputs, mlp_archive

MLP = case_dir("mlp_traced") / "model.pt"
RESNET = case_dir("resnet_basic_traced") / "model.pt"


class Pipeline:
    def __init__(self, encoder, decoder):
        self.encoder = encoder
        self.decoder = decoder

    def __call__(self, x):
        return self.decoder(self.encoder(x))


def test_for_tasks_on_a_traced_model(ray_cluster):
    ray = ray_cluster
    model = torchscript.load(RESNET.read_bytes())  # as if it came from torch.jit.trace
    rewritten = JITModelWrapper.for_tasks(model)
    ref = rewritten._model_ref
    assert isinstance(ref, ray.ObjectRef), "the archive is in the object store"
    for _ in range(2):  # the second call hits the worker's module cache
        assert_matches_case("resnet_basic_traced", rewritten(*case_inputs("resnet_basic_traced")))


def test_from_model_task_mode_then_load(ray_cluster):
    wrapper = JITModelWrapper.from_model(torchscript.load(MLP.read_bytes()), mode="task")
    model = wrapper.load()
    assert_matches_case("mlp_traced", model(*case_inputs("mlp_traced")))
    assert_matches_case("mlp_traced", model.forward(*case_inputs("mlp_traced")))


def test_task_mode_pipeline(ray_cluster, encoder_decoder):
    enc, dec, enc_w, dec_w = encoder_decoder
    pipeline = Pipeline(torchscript.load(enc.read_bytes()), torchscript.load(dec.read_bytes()))
    rewritten = JITModelWrapper.for_tasks(pipeline)
    x = np.random.default_rng(4).standard_normal((3, 64), dtype=np.float32)
    want = mlp_archive.reference_forward(dec_w, mlp_archive.reference_forward(enc_w, x))
    np.testing.assert_allclose(rewritten(x), want, rtol=1e-4, atol=1e-4)


def test_custom_methods_and_allow_list(ray_cluster):
    path = case_dir("exported_method_scripted") / "model.pt"
    model = JITModelWrapper.for_tasks(torchscript.load(path.read_bytes()), method_names=("encode",))
    x, t = case_inputs("exported_method_scripted")
    assert_matches_case("exported_method_scripted", model.encode(x, float(t)))
    with pytest.raises(AttributeError):
        model.stats
    with pytest.raises(AttributeError):
        model._model_ref_that_is_private
    with pytest.raises(torchscript.Error):
        model(np.zeros((2, 5), dtype=np.float32))  # a failing task raises the model's error


def test_invalid_mode(ray_cluster):
    with pytest.raises(ValueError, match="Invalid mode: tasks"):
        JITModelWrapper.from_model(str(MLP), mode="tasks")


def test_actor_mode_in_a_ray_actor(ray_cluster):
    ray = ray_cluster
    wrapper = JITModelWrapper.from_model(torchscript.load(RESNET.read_bytes()), mode="actor")
    assert all(isinstance(r, ray.ObjectRef) for r in wrapper.model_refs.values())

    @ray.remote
    class InferenceActor:
        def __init__(self, model_wrapper):
            self.model = model_wrapper.load()

        def __call__(self, *args):
            return self.model(*args)

        def copied(self):
            return self.model.copied_weight_bytes

    actor = InferenceActor.remote(wrapper)
    out = ray.get(actor.__call__.remote(*case_inputs("resnet_basic_traced")))
    assert_matches_case("resnet_basic_traced", out)
    assert ray.get(actor.copied.remote()) == 0
    ray.kill(actor)


def test_ray_data_map_batches_with_an_actor_pool(ray_cluster):
    import ray.data
    from ray.data import ActorPoolStrategy

    wrapper = JITModelWrapper.from_model(str(MLP), mode="actor")
    (x,) = case_inputs("mlp_traced")
    want = case_outputs("mlp_traced")[0]
    rows = np.concatenate([x] * 8)  # 32 rows, each PyTorch's input row

    class InferenceActor:
        def __init__(self, wrapper):
            self.model = wrapper.load()

        def __call__(self, batch):
            return {"y": self.model(np.stack(batch["x"]).astype(np.float32))}

    ds = ray.data.from_items([{"x": r} for r in rows])
    out = ds.map_batches(
        InferenceActor,
        fn_constructor_kwargs={"wrapper": wrapper},
        compute=ActorPoolStrategy(size=2),
        batch_size=4,
    ).take_all()
    got = np.stack([r["y"] for r in out])
    expected = np.concatenate([want] * 8)
    assert got.shape == expected.shape
    # Ray Data may reorder blocks: compare as sorted rows.
    order = lambda a: a[np.lexsort(a.T[::-1])]  # noqa: E731
    np.testing.assert_allclose(order(got), order(expected), atol=1e-4, rtol=1e-3)


def test_wrapper_pickling_round_trips(ray_cluster):
    ray = ray_cluster
    by_bytes = JITModelWrapper.from_model(torchscript.load(MLP.read_bytes()), mode="actor")
    by_path = JITModelWrapper.from_model(str(MLP), mode="task")
    assert len(pickle.dumps(by_path)) < 2000
    for wrapper in (by_bytes, by_path):
        again = ray.get(ray.put(wrapper))
        assert_matches_case("mlp_traced", again.load()(*case_inputs("mlp_traced")))
        again = pickle.loads(pickle.dumps(wrapper))
        assert_matches_case("mlp_traced", again.load()(*case_inputs("mlp_traced")))
