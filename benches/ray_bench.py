"""torchscript's JITModelWrapper against ray-zerocopy 0.2.0's on the same local Ray cluster.

Models: torchvision resnet18 (traced, random weights) and a ~180 MB MLP (written by
tests/python/mlp_archive.py, loaded by torch.jit.load for ray-zerocopy). For each library:
load time inside an actor, anonymous (private) memory added by 4 actors, task-mode latency per
call, Ray Data throughput with an actor pool of 2. Needs torch, torchvision, ray[data] and
ray-zerocopy==0.2.0 next to this package (see README).

    python benches/ray_bench.py [--models resnet18,mlp180] [--calls 10] [--rows 64]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "python"))

import mlp_archive  # noqa: E402


def anonymous_kib() -> int:
    with open(f"/proc/{os.getpid()}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Anonymous:"):
                return int(line.split()[1])
    return 0


def make_models(names: list[str], tmp: pathlib.Path):
    """name -> (archive bytes, example input, weight bytes)."""
    import torch

    models = {}
    if "resnet18" in names:
        import torchvision

        torch.manual_seed(0)
        net = torchvision.models.resnet18().eval()
        x = torch.randn(1, 3, 224, 224)
        traced = torch.jit.trace(net, x)
        buf = io.BytesIO()
        torch.jit.save(traced, buf)
        nbytes = sum(p.numel() * p.element_size() for p in traced.state_dict().values())
        models["resnet18"] = (buf.getvalue(), x.numpy(), nbytes)
    if "mlp180" in names:
        path = tmp / "mlp180.pt"
        weights = mlp_archive.make_weights(width=3328, n_layers=5, inputs=3328, outputs=16, seed=0)
        nbytes = mlp_archive.write_archive(str(path), weights)
        x = np.random.default_rng(0).standard_normal((8, 3328), dtype=np.float32)
        models["mlp180"] = (path.read_bytes(), x, nbytes)
    return models


def wrapper_for(lib: str, archive: bytes, mode: str):
    import torch

    if lib == "torchscript":
        import torchscript

        module = torchscript.load(archive)
        return torchscript.JITModelWrapper, module
    import ray_zerocopy

    return ray_zerocopy.JITModelWrapper, torch.jit.load(io.BytesIO(archive))


def run_lib(lib: str, name: str, archive: bytes, x: np.ndarray, nbytes: int, args) -> dict:
    import ray
    import ray.data
    from ray.data import ActorPoolStrategy

    Wrapper, model = wrapper_for(lib, archive, "actor")
    result: dict = {"library": lib, "model": name, "weights_mb": round(nbytes / 2**20, 1)}

    # 1 + 2: load inside actors, anonymous memory of 4 actors.
    actor_wrapper = Wrapper.from_model(model, mode="actor")

    @ray.remote(num_cpus=1)
    class Actor:
        def __init__(self, lib):
            if lib == "torchscript":
                import torchscript  # noqa: F401
            else:
                import ray_zerocopy  # noqa: F401
                import torch  # noqa: F401
            self.before = anonymous_kib()

        def load(self, wrapper, x):
            t0 = time.perf_counter()
            self.model = wrapper.load()
            load_ms = (time.perf_counter() - t0) * 1e3
            if lib == "torchscript":
                self.model(x)
            else:
                import torch

                with torch.no_grad():
                    self.model(torch.from_numpy(x))
            return load_ms, anonymous_kib() - self.before

    actors = [Actor.remote(lib) for _ in range(4)]
    ray.get([a.__ray_ready__.remote() for a in actors])
    loads = ray.get([a.load.remote(actor_wrapper, x) for a in actors])
    result["actor_load_ms"] = round(statistics.median(l for l, _ in loads), 1)
    result["anon_mb_4_actors"] = round(sum(max(m, 0) for _, m in loads) / 1024, 1)
    for a in actors:
        ray.kill(a)

    # 3: task mode latency per call.
    task_model = Wrapper.for_tasks(model)
    arg = x
    if lib != "torchscript":
        import torch

        arg = torch.from_numpy(x)
    for _ in range(2):
        task_model(arg)
    times = []
    for _ in range(args.calls):
        t0 = time.perf_counter()
        task_model(arg)
        times.append((time.perf_counter() - t0) * 1e3)
    result["task_ms_median"] = round(statistics.median(times), 1)
    # The same call made directly in this process, for scale.
    direct = []
    for _ in range(max(3, args.calls // 2)):
        t0 = time.perf_counter()
        if lib == "torchscript":
            model(x)
        else:
            import torch

            with torch.no_grad():
                model(torch.from_numpy(x))
        direct.append((time.perf_counter() - t0) * 1e3)
    result["direct_ms_median"] = round(statistics.median(direct), 1)

    # 4: Ray Data with an actor pool of 2.
    class Infer:
        def __init__(self, wrapper):
            self.model = wrapper.load()

        def __call__(self, batch):
            xb = np.stack(batch["x"]).astype(np.float32)
            if lib == "torchscript":
                y = self.model(xb)
            else:
                import torch

                with torch.no_grad():
                    y = self.model(torch.from_numpy(xb)).numpy()
            return {"y": list(y)}

    row = x[0]
    ds = ray.data.from_items([{"x": row} for _ in range(args.rows)])
    t0 = time.perf_counter()
    n = ds.map_batches(
        Infer,
        fn_constructor_kwargs={"wrapper": actor_wrapper},
        compute=ActorPoolStrategy(size=2),
        batch_size=8,
        num_cpus=1,
    ).count()
    elapsed = time.perf_counter() - t0
    result["data_rows_per_s"] = round(n / elapsed, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="resnet18,mlp180")
    parser.add_argument("--libs", default="torchscript,ray-zerocopy")
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--rows", type=int, default=64)
    args = parser.parse_args()

    import ray

    tmp = pathlib.Path(tempfile.mkdtemp())
    models = make_models(args.models.split(","), tmp)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(HERE), str(HERE.parent / "tests" / "python"), os.environ.get("PYTHONPATH", "")) if p
    )
    ray.init(num_cpus=4, object_store_memory=1500 * 2**20, include_dashboard=False, log_to_driver=False)
    rows = []
    for name, (archive, x, nbytes) in models.items():
        for lib in args.libs.split(","):
            r = run_lib(lib, name, archive, x, nbytes, args)
            print(json.dumps(r), flush=True)
            rows.append(r)
    ray.shutdown()
    print()
    print("| model | library | load in actor | anon. memory, 4 actors | task call (direct) | Ray Data rows/s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['model']} ({r['weights_mb']} MB) | {r['library']} | {r['actor_load_ms']} ms | "
            f"{r['anon_mb_4_actors']} MiB | {r['task_ms_median']} ms ({r['direct_ms_median']} ms) | "
            f"{r['data_rows_per_s']} |"
        )


if __name__ == "__main__":
    main()
