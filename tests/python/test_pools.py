"""The runtime's task and actor pools from Python: PyTorch's outputs, per-worker state, errors, threads."""

from __future__ import annotations

import pathlib
import threading

import numpy as np
import pytest

import torchscript
from conftest import assert_matches_case, case_dir, case_inputs

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
RESNET = case_dir("resnet_basic_scripted") / "model.pt"


def stateful():
    """tests/data/stateful.pt: each call adds 1 to a weight and to a counter (PyTorch's
    outputs for three successive calls on one instance are in stateful_outputs.npz)."""
    model = torchscript.load(DATA / "stateful.pt")
    with np.load(DATA / "stateful_inputs.npz") as f:
        x = f["arg0"]
    with np.load(DATA / "stateful_outputs.npz") as f:
        torch_outputs = {k: f[k] for k in f.files}
    return model, x, torch_outputs


def test_task_pool_calls_match_pytorch():
    model = torchscript.load(RESNET)
    (x,) = case_inputs("resnet_basic_scripted")
    pool = torchscript.TaskPool(model, workers=2)
    assert pool.workers == 2 and pool.intra_op_threads >= 1
    assert_matches_case("resnet_basic_scripted", pool(x))
    assert_matches_case("resnet_basic_scripted", pool.call("forward", x))
    pending = [pool.submit("forward", x) for _ in range(4)]
    for call in pending:
        assert_matches_case("resnet_basic_scripted", call.result(timeout=60))
        assert call.done()
    for out in pool.map([(x,), x, (x,)]):
        assert_matches_case("resnet_basic_scripted", out)


def test_task_pool_calls_never_see_each_others_state():
    model, x, torch_outputs = stateful()
    pool = torchscript.TaskPool(model, workers=2)
    for out in pool.map([x] * 4):
        np.testing.assert_allclose(out, torch_outputs["call1"], rtol=1e-6, atol=1e-6)


def test_actor_pool_workers_keep_their_own_state():
    model, x, torch_outputs = stateful()
    with torchscript.ActorPool(model, workers=2) as pool:
        for name in ("call1", "call2", "call3"):
            out = pool.submit_to(0, "forward", x).result()
            np.testing.assert_allclose(out, torch_outputs[name], rtol=1e-6, atol=1e-6)
        # Worker 1 was never called: its state is the archive's.
        out = pool.submit_to(1, "forward", x).result()
        np.testing.assert_allclose(out, torch_outputs["call1"], rtol=1e-6, atol=1e-6)
        assert pool.pending(0) == 0
    # Neither the module nor a new pool sees the workers' writes.
    np.testing.assert_allclose(model(x), torch_outputs["call1"], rtol=1e-6, atol=1e-6)
    with pytest.raises(RuntimeError, match="shut down"):
        pool(x)


def test_pool_errors_fail_only_their_call():
    model, x, torch_outputs = stateful()
    pool = torchscript.ActorPool(model, workers=1, routing="least_busy")
    with pytest.raises(AttributeError):
        pool.call("no_such_method", x)
    with pytest.raises(TypeError):
        pool.call("forward", "not a tensor")
    np.testing.assert_allclose(pool(x), torch_outputs["call1"], rtol=1e-6, atol=1e-6)
    with pytest.raises(torchscript.Error):
        pool(np.zeros((2, 5), dtype=np.float32))  # wrong width: fails inside the model
    # As in PyTorch, the writes made before the failure (`w.add_(1)`, `count += 1`) stay in
    # the worker's instance: the next call is the third.
    np.testing.assert_allclose(pool(x), torch_outputs["call3"], rtol=1e-6, atol=1e-6)
    with pytest.raises(IndexError):
        pool.submit_to(3, "forward", x)
    with pytest.raises(ValueError, match="routing"):
        torchscript.ActorPool(model, routing="random")
    tasks = torchscript.TaskPool(model, workers=2)
    failing = tasks.submit("forward", np.zeros((2, 5), dtype=np.float32))
    with pytest.raises(torchscript.Error):
        failing.result()
    with pytest.raises(RuntimeError, match="already taken"):
        failing.result()
    np.testing.assert_allclose(tasks(x), torch_outputs["call1"], rtol=1e-6, atol=1e-6)
    pool.shutdown()


def test_pools_serve_many_python_threads():
    model = torchscript.load(RESNET)
    (x,) = case_inputs("resnet_basic_scripted")
    tasks = torchscript.TaskPool(model, workers=2)
    actors = torchscript.ActorPool(model, workers=2, queue_capacity=1)
    results: list[np.ndarray] = []
    lock = threading.Lock()

    def client(pool):
        for _ in range(3):
            out = pool(x)
            with lock:
                results.append(out)

    threads = [threading.Thread(target=client, args=(p,)) for p in (tasks, actors) * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 12
    for out in results:
        np.testing.assert_array_equal(out, results[0])  # same kernels, same threads budget
    assert_matches_case("resnet_basic_scripted", results[0])
    actors.shutdown()
