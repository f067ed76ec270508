"""A ray-zerocopy user's script with only the import changed: torch ScriptModules in, torch tensors in and out (needs torch; skipped without it)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torchscript import JITModelWrapper  # was: from ray_zerocopy import JITModelWrapper  # noqa: E402


class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(16, 8)

    def forward(self, x):
        return torch.relu(self.fc(x))


class Decoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        return torch.softmax(self.fc(x), dim=-1)

    @torch.jit.export
    def logits(self, x):
        return self.fc(x)


class EncoderDecoder:
    """The seed's pipeline: attributes are TorchScript models, `__call__` chains them."""

    def __init__(self):
        torch.manual_seed(0)
        self.encoder = torch.jit.trace(Encoder().eval(), torch.randn(2, 16))
        self.decoder = torch.jit.script(Decoder().eval())

    def __call__(self, x):
        return self.decoder(self.encoder(x))


@pytest.fixture(scope="module")
def traced():
    torch.manual_seed(1)
    return torch.jit.trace(Encoder().eval(), torch.randn(2, 16))


@pytest.fixture(scope="module")
def x():
    torch.manual_seed(2)
    return torch.randn(3, 16)


def test_for_tasks_on_a_traced_script_module(ray_cluster, traced, x):
    model = JITModelWrapper.for_tasks(traced)
    y = model(x)
    assert isinstance(y, torch.Tensor)
    torch.testing.assert_close(y, traced(x), rtol=1e-5, atol=1e-6)


def test_task_mode_pipeline_of_script_modules(ray_cluster, x):
    pipeline = EncoderDecoder()
    want = pipeline(x)
    remote = JITModelWrapper.for_tasks(pipeline)
    torch.testing.assert_close(remote(x), want, rtol=1e-5, atol=1e-6)
    custom = JITModelWrapper.for_tasks(pipeline, method_names=("logits",))
    torch.testing.assert_close(
        custom.decoder.logits(pipeline.encoder(x)),
        pipeline.decoder.logits(pipeline.encoder(x)),
        rtol=1e-5,
        atol=1e-6,
    )


def test_actor_mode_pipeline_in_a_ray_actor(ray_cluster, x):
    ray = ray_cluster
    pipeline = EncoderDecoder()
    want = pipeline(x)
    wrapper = JITModelWrapper.from_model(pipeline, mode="actor")

    @ray.remote
    class InferenceActor:
        def __init__(self, model_wrapper):
            self.pipeline = model_wrapper.load()

        def __call__(self, batch):
            return self.pipeline(batch)

    actor = InferenceActor.remote(wrapper)
    torch.testing.assert_close(ray.get(actor.__call__.remote(x)), want, rtol=1e-5, atol=1e-6)
    ray.kill(actor)
