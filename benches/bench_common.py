"""Helpers shared by the side-by-side benchmarks (compare_torch.py, zoo/zoo.py): running our CLI,
comparing its outputs with PyTorch's, and printing the figures."""
import json
import subprocess
import sys

import numpy as np
import torch


def flatten(v, out):
    """Appends the tensors and numbers of a (nested) output to `out` as arrays, in the order of
    the CLI contract's `outN` (strings and None carry no array)."""
    if v is None or isinstance(v, str):
        return out
    if isinstance(v, torch.Tensor):
        v = v.detach()
        out.append(v.float().numpy() if v.dtype == torch.bfloat16 else v.numpy())
    elif isinstance(v, (bool, int, float)):
        out.append(np.array(v))
    elif isinstance(v, (list, tuple)):
        for x in v:
            flatten(x, out)
    elif isinstance(v, dict):
        for x in v.values():
            flatten(x, out)
    return out


def parse_json_stdout(stdout):
    """The last JSON object line of `stdout` (or the whole of it as JSON), or None."""
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                pass
    try:
        return json.loads(stdout)
    except json.JSONDecodeError:
        return None


def bench_ours(binary, model_path, inputs_path, threads, iters, warmup, timeout, extra=()):
    """Runs `torchscript bench` and returns its JSON report, or None (the reason on stderr)."""
    cmd = [binary, "bench", model_path, "--inputs", inputs_path, "--iters", str(iters), "--warmup", str(warmup),
           "--threads", str(threads), *extra]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        print(f"  ours: binary not found: {binary} (build with `cargo build --release`)", file=sys.stderr)
        return None
    except subprocess.TimeoutExpired:
        print(f"  ours: timed out after {timeout}s: {' '.join(cmd)}", file=sys.stderr)
        return None
    if p.returncode != 0:
        print(f"  ours: `{' '.join(cmd)}` exited {p.returncode}; stderr:\n{p.stderr.rstrip()}", file=sys.stderr)
        return None
    res = parse_json_stdout(p.stdout)
    if res is None:
        print(f"  ours: no JSON object on stdout:\n{p.stdout.rstrip()}\n{p.stderr.rstrip()}", file=sys.stderr)
    return res


def max_abs_diff(binary, model_path, inputs_path, inputs, out_path, timeout, method="forward", extra=()):
    """Runs `torchscript run` and PyTorch on the same inputs: the largest absolute difference
    over all outputs, inf when their number, shapes or dtypes differ, None when ours failed."""
    cmd = [binary, "run", model_path, "--inputs", inputs_path, "--output", out_path, *extra]
    if method != "forward":
        cmd += ["--method", method]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (FileNotFoundError, subprocess.TimeoutExpired) as e:
        print(f"  check: {e}", file=sys.stderr)
        return None
    if p.returncode != 0:
        print(f"  check: `{' '.join(cmd)}` exited {p.returncode}; stderr:\n{p.stderr.rstrip()}", file=sys.stderr)
        return None
    torch.set_num_threads(1)
    module = torch.jit.load(model_path)
    with torch.no_grad():
        ref = flatten(getattr(module, method)(*inputs), [])
    with np.load(out_path) as z:
        ours = [z[f"out{i}"] for i in range(len(z.files))]
    if len(ours) != len(ref):
        print(f"  check: ours has {len(ours)} outputs, torch {len(ref)}", file=sys.stderr)
        return float("inf")
    worst = 0.0
    for i, (a, b) in enumerate(zip(ours, ref)):
        if a.shape != b.shape or a.dtype != b.dtype:
            print(f"  check: out{i}: ours {a.dtype}{list(a.shape)} vs torch {b.dtype}{list(b.shape)}", file=sys.stderr)
            return float("inf")
        if a.size:
            worst = max(worst, float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))))
    return worst


def fmt(v, nd=2):
    """A table cell: `-` for a missing figure, floats to `nd` places."""
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def ratio(a, b):
    """a / b, or None when either figure is missing or b is 0."""
    if a is None or b is None or not b:
        return None
    return a / b


def finish(rows, json_path, tmp):
    """Writes the rows as JSON when asked and removes the temporary work folder."""
    if json_path:
        with open(json_path, "w") as f:
            json.dump(rows, f, indent=2)
    if tmp is not None:
        tmp.cleanup()

