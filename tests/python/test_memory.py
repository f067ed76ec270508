"""Memory: 4 Ray actors on a ~100 MB model add less than 10% of the weights in anonymous memory."""

from __future__ import annotations

import numpy as np
import pytest

import torchscript
from torchscript import JITModelWrapper
from conftest import mlp_archive, proc_anonymous_kib


@pytest.fixture(scope="module")
def big_mlp(tmp_path_factory):
    d = tmp_path_factory.mktemp("big")
    path, warmup = d / "big_mlp.pt", d / "warmup_mlp.pt"
    # 4 x (2560 x 2560) float32 + small layers: ~105 MB of weights.
    weights = mlp_archive.make_weights(width=2560, n_layers=5, inputs=2560, outputs=16, seed=7)
    nbytes = mlp_archive.write_archive(str(path), weights)
    # The same kernels on 2.7 MB of weights, loaded the same way: pays the one-time costs per
    # process (operator tables, the executor's threads and their GEMM scratch, Ray's first
    # object fetch), so what is left is what the big model itself costs.
    mlp_archive.write_archive(
        str(warmup), mlp_archive.make_weights(width=256, n_layers=2, inputs=2560, outputs=16, seed=8)
    )
    return path, weights, nbytes, warmup


@pytest.mark.parametrize("source", ["bytes", "path"])
def test_four_actors_share_the_weights(ray_cluster, big_mlp, source):
    ray = ray_cluster
    path, weights, nbytes, warmup = big_mlp
    assert nbytes > 100 * 2**20
    model = torchscript.load(path.read_bytes()) if source == "bytes" else str(path)
    wrapper = JITModelWrapper.from_model(model, mode="actor")
    x = np.random.default_rng(0).standard_normal((2, 2560), dtype=np.float32)
    want = mlp_archive.reference_forward(weights, x)

    @ray.remote(num_cpus=0)
    class Actor:
        def __init__(self, warmup_wrapper, x):
            start = proc_anonymous_kib()
            warmup_wrapper.load()(x)
            self.before = proc_anonymous_kib()
            self.runtime_kib = self.before - start

        def load_and_run(self, wrapper, x):
            self.model = wrapper.load()
            y = self.model(x)
            return y, proc_anonymous_kib() - self.before, self.runtime_kib

    # The warm-up model takes the same path as the big one (bytes in the object store, or a path).
    small = torchscript.load(warmup.read_bytes()) if source == "bytes" else str(warmup)
    warmup_wrapper = JITModelWrapper.from_model(small, mode="actor")
    actors = [Actor.remote(warmup_wrapper, x) for _ in range(4)]
    results = ray.get([a.load_and_run.remote(wrapper, x) for a in actors])
    total_added_kib = runtime_kib = 0
    for y, added_kib, warm_kib in results:
        np.testing.assert_allclose(y, want, rtol=1e-3, atol=1e-3)
        total_added_kib += max(added_kib, 0)
        runtime_kib += warm_kib
    added = total_added_kib * 1024
    print(
        f"{source}: 4 actors added {added / 2**20:.1f} MiB anonymous for the model's "
        f"{nbytes / 2**20:.0f} MiB of weights (the runtime's own one-time cost: "
        f"{runtime_kib / 1024 / 4:.1f} MiB per process)"
    )
    assert added < 0.10 * nbytes, f"4 actors added {added} bytes of anonymous memory"
    for a in actors:
        ray.kill(a)
