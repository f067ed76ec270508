"""Memory: 4 Ray actors on a ~100 MB model add less than 10% of the weights in anonymous memory."""

from __future__ import annotations

import numpy as np
import pytest

import torchscript
from torchscript import JITModelWrapper
from conftest import mlp_archive, proc_anonymous_kib


@pytest.fixture(scope="module")
def big_mlp(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big_mlp.pt"
    # 4 x (2560 x 2560) float32 + small layers: ~105 MB of weights.
    weights = mlp_archive.make_weights(width=2560, n_layers=5, inputs=2560, outputs=16, seed=7)
    nbytes = mlp_archive.write_archive(str(path), weights)
    return path, weights, nbytes


@pytest.mark.parametrize("source", ["bytes", "path"])
def test_four_actors_share_the_weights(ray_cluster, big_mlp, source):
    ray = ray_cluster
    path, weights, nbytes = big_mlp
    assert nbytes > 100 * 2**20
    model = torchscript.load(path.read_bytes()) if source == "bytes" else str(path)
    wrapper = JITModelWrapper.from_model(model, mode="actor")
    x = np.random.default_rng(0).standard_normal((2, 2560), dtype=np.float32)
    want = mlp_archive.reference_forward(weights, x)

    @ray.remote(num_cpus=0)
    class Actor:
        def __init__(self):
            import torchscript  # noqa: F401 - the library's own pages are not the model's

            self.before = proc_anonymous_kib()

        def load_and_run(self, wrapper, x):
            self.model = wrapper.load()
            y = self.model(x)
            return y, proc_anonymous_kib() - self.before

    actors = [Actor.remote() for _ in range(4)]
    results = ray.get([a.load_and_run.remote(wrapper, x) for a in actors])
    total_added_kib = 0
    for y, added_kib in results:
        np.testing.assert_allclose(y, want, rtol=1e-3, atol=1e-3)
        total_added_kib += max(added_kib, 0)
    added = total_added_kib * 1024
    print(f"{source}: 4 actors added {added / 2**20:.1f} MiB anonymous for {nbytes / 2**20:.0f} MiB of weights")
    assert added < 0.10 * nbytes, f"4 actors added {added} bytes of anonymous memory"
    for a in actors:
        ray.kill(a)
