#!/usr/bin/env python3
"""Compare our `torchscript` CLI against PyTorch on the same TorchScript archive.

For each model it builds a torchvision network with random weights (seeded), traces it, saves
MODEL.pt and IN.npz into a temporary directory (never committed), then measures

  * PyTorch: torch.jit.load time and forward latency (median/p90 over --iters after --warmup)
    with torch.set_num_threads(T) for each T in --threads;
  * ours:    `BIN bench MODEL.pt --inputs IN.npz --iters N --warmup W --threads T`, which prints
    one JSON object with at least load_ms, median_ms, p90_ms, iters, threads;

and prints a table with both and the ratios ours/torch. With --check it also runs
`BIN run MODEL.pt --inputs IN.npz --output OUT.npz` and reports the max abs difference to
PyTorch's outputs.

Examples:
    /work/venv/bin/python benches/compare_torch.py resnet18 mobilenet_v3_small
    /work/venv/bin/python benches/compare_torch.py resnet18 --threads 1,2,4 --iters 30 --check
    /work/venv/bin/python benches/compare_torch.py --model-pt path/to/model.pt --inputs path/to/inputs.npz

Needs torch and torchvision (any recent version; the fixtures pin 2.15.0/0.29.2) and numpy.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import bench_ours, finish, fmt, max_abs_diff, ratio  # noqa: E402

# Models with a known good input size; any other torchvision classification model name works too
# (built with torchvision.models.get_model(name, weights=None)).
DEFAULT_SHAPES = {
    "resnet18": (1, 3, 224, 224),
    "resnet50": (1, 3, 224, 224),
    "mobilenet_v3_small": (1, 3, 224, 224),
    "mobilenet_v3_large": (1, 3, 224, 224),
    "mobilenet_v2": (1, 3, 224, 224),
    "efficientnet_b0": (1, 3, 224, 224),
    "squeezenet1_1": (1, 3, 224, 224),
    "shufflenet_v2_x1_0": (1, 3, 224, 224),
    "densenet121": (1, 3, 224, 224),
    "regnet_y_400mf": (1, 3, 224, 224),
    "mnasnet1_0": (1, 3, 224, 224),
    "convnext_tiny": (1, 3, 224, 224),
    "googlenet": (1, 3, 224, 224),
}


def percentile(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def build_model(name, shape, workdir):
    import torchvision

    torch.manual_seed(0)
    kwargs = {}
    if name == "googlenet":
        kwargs = dict(aux_logits=False, init_weights=True)
    model = torchvision.models.get_model(name, weights=None, **kwargs).eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        traced = torch.jit.trace(model, (x,))
    path = os.path.join(workdir, f"{name}.pt")
    torch.jit.save(traced, path)
    inputs = os.path.join(workdir, f"{name}.inputs.npz")
    np.savez(inputs, arg0=x.numpy())
    return path, inputs


def load_inputs(npz_path, model_path=None, method="forward"):
    """arg0, arg1, ...; a 0-d array becomes a python scalar unless the method's signature wants a Tensor."""
    wants = []
    if model_path:
        try:
            wants = [str(a.type).startswith("Tensor")
                     for a in getattr(torch.jit.load(model_path), method).schema.arguments[1:]]
        except Exception:  # noqa: BLE001
            wants = []
    with np.load(npz_path) as z:
        keys = sorted(z.files, key=lambda k: int(k[3:]))
        out = []
        for i, k in enumerate(keys):
            a = z[k]
            if i < len(wants) and wants[i]:
                out.append(torch.from_numpy(np.array(a, copy=True)))
            elif a.ndim == 0 and a.dtype == np.int64:
                out.append(int(a))
            elif a.ndim == 0 and a.dtype == np.float64:
                out.append(float(a))
            elif a.ndim == 0 and a.dtype == np.bool_:
                out.append(bool(a))
            else:
                out.append(torch.from_numpy(a.copy()))
        return out


def bench_torch(model_path, inputs, threads, iters, warmup, method="forward"):
    torch.set_num_threads(threads)
    loads = []
    module = None
    for _ in range(3):
        t0 = time.perf_counter()
        module = torch.jit.load(model_path)
        loads.append((time.perf_counter() - t0) * 1e3)
    module.eval() if hasattr(module, "eval") else None
    fn = getattr(module, method)
    times = []
    with torch.no_grad():
        for _ in range(warmup):
            fn(*inputs)
        for _ in range(iters):
            t0 = time.perf_counter()
            fn(*inputs)
            times.append((time.perf_counter() - t0) * 1e3)
    return {
        "load_ms": statistics.median(loads),
        "median_ms": statistics.median(times),
        "p90_ms": percentile(times, 0.9),
        "iters": iters,
        "threads": threads,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", default=[], help="torchvision model names (default: resnet18 mobilenet_v3_small)")
    ap.add_argument("--model-pt", help="benchmark an existing archive instead of building one")
    ap.add_argument("--inputs", help="IN.npz for --model-pt")
    ap.add_argument("--method", default="forward")
    ap.add_argument("--shape", help="input shape for built models, e.g. 1,3,224,224")
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    ap.add_argument("--bin", default="target/release/torchscript", help="our CLI binary")
    ap.add_argument("--ours-args", default="", help="extra arguments for `bench`, e.g. '--mode actor --workers 2'")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--check", action="store_true", help="also compare `run` outputs to PyTorch (max abs diff)")
    ap.add_argument("--keep", help="write the archives here instead of a temporary directory")
    ap.add_argument("--json", help="also write all results to this JSON file")
    args = ap.parse_args()

    threads = [int(t) for t in args.threads.split(",") if t]
    extra = args.ours_args.split() if args.ours_args else []
    binary = args.bin
    if not os.path.isabs(binary) and not os.path.exists(binary):
        # allow running from benches/ or elsewhere inside the repo
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        if os.path.exists(os.path.join(root, binary)):
            binary = os.path.join(root, binary)

    tmp = None
    workdir = args.keep
    if workdir:
        os.makedirs(workdir, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="torchscript-bench-")
        workdir = tmp.name

    jobs = []
    if args.model_pt:
        if not args.inputs:
            sys.exit("--model-pt needs --inputs")
        label = os.path.basename(args.model_pt)
        if label == "model.pt":  # a fixture folder: models/cases/<name>/model.pt
            label = os.path.basename(os.path.dirname(os.path.abspath(args.model_pt)))
        jobs.append((label, args.model_pt, args.inputs))
    else:
        for name in args.models or ["resnet18", "mobilenet_v3_small"]:
            shape = tuple(int(s) for s in args.shape.split(",")) if args.shape else DEFAULT_SHAPES.get(name, (1, 3, 224, 224))
            print(f"building {name} {list(shape)} ...", file=sys.stderr)
            path, inp = build_model(name, shape, workdir)
            jobs.append((name, path, inp))

    rows = []
    for name, path, inp in jobs:
        inputs = load_inputs(inp, path, args.method)
        size_mb = os.path.getsize(path) / 2**20
        for t in threads:
            print(f"{name}: threads={t} ...", file=sys.stderr)
            tr = bench_torch(path, inputs, t, args.iters, args.warmup, args.method)
            ours = bench_ours(binary, path, inp, t, args.iters, args.warmup, args.timeout, extra)
            rows.append(dict(model=name, size_mb=size_mb, threads=t, torch=tr, ours=ours))
        if args.check:
            out_path = os.path.join(workdir, os.path.basename(path) + ".ours.npz")
            diff = max_abs_diff(binary, path, inp, inputs, out_path, args.timeout, args.method)
            for r in rows:
                if r["model"] == name:
                    r["max_abs_diff"] = diff

    hdr = ["model", "MB", "thr", "torch load", "ours load", "x", "torch med", "ours med", "x", "torch p90",
           "ours p90", "x"]
    if args.check:
        hdr.append("max|diff|")
    table = [hdr]
    for r in rows:
        tr, o = r["torch"], r["ours"] or {}
        line = [r["model"], fmt(r["size_mb"], 1), str(r["threads"]),
                fmt(tr["load_ms"]), fmt(o.get("load_ms")), fmt(ratio(o.get("load_ms"), tr["load_ms"])),
                fmt(tr["median_ms"]), fmt(o.get("median_ms")), fmt(ratio(o.get("median_ms"), tr["median_ms"])),
                fmt(tr["p90_ms"]), fmt(o.get("p90_ms")), fmt(ratio(o.get("p90_ms"), tr["p90_ms"]))]
        if args.check:
            d = r.get("max_abs_diff")
            line.append("-" if d is None else f"{d:.3g}")
        table.append(line)
    widths = [max(len(row[i]) for row in table) for i in range(len(hdr))]
    print("times in ms; x = ours/torch (lower is better for us)")
    for i, row in enumerate(table):
        print("  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(row, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    finish(rows, args.json, tmp)


if __name__ == "__main__":
    main()
