#!/usr/bin/env python3
"""The model zoo side by side: our `torchscript bench` vs torch.jit (libtorch) vs ONNX Runtime.

For every model of zoo_models.ZOO (random seeded weights, built into a temporary folder, nothing
committed) it saves the TorchScript archive, the inputs (npz) and the ONNX export of the same
eager model, then times, for each thread count, in one command:

  * ours: `BIN bench MODEL.pt --inputs IN.npz --iters N --warmup W --threads T` (load_ms: median of
    3 loads in its process, like libtorch's; first_load_ms: the first of them; median_ms);
  * libtorch: torch.jit.load (median of 3) and the forward median with torch.set_num_threads(T);
  * ORT: onnxruntime InferenceSession (intra_op_num_threads=T, sequential) forward median.

With --derived-weights, ours is also timed (and checked) with derived weight forms on
(`bench --derived-weights`: float32 weights that products of 5 to 128 rows read transposed are
stored once more, as column panels, on first use), in extra columns with the bytes they took.

It prints one row per model and thread count with ours/libtorch and ours/ORT, and geometric means
(over the models each runtime ran). A `-` is a runtime that failed (reason on stderr). The
outputs of `BIN run` are checked against libtorch (max abs diff column) unless --no-check.

    /work/torchvenv/bin/python benches/zoo/zoo.py                    # all, threads 1,2 (~10 min)
    /work/torchvenv/bin/python benches/zoo/zoo.py bert_encoder vit_small --threads 1
    /work/torchvenv/bin/python benches/zoo/zoo.py --list

Build ours first: `cargo build --release --bin torchscript`.
"""

import argparse
import io
import math
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
from zoo_models import ZOO  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_common import bench_ours, finish, fmt, max_abs_diff, ratio  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def to_numpy(t):
    return t.float().numpy() if t.dtype == torch.bfloat16 else t.numpy()


def build(name, workdir, reuse=False):
    """Saves NAME.pt, NAME.npz and (if export works) NAME.onnx; returns paths and inputs."""
    torch.manual_seed(0)
    model, inputs, how = ZOO[name]()
    pt, npz, onnx_path = (os.path.join(workdir, f"{name}.{ext}") for ext in ("pt", "npz", "onnx"))
    if reuse and os.path.exists(pt) and os.path.exists(npz):
        return pt, npz, onnx_path if os.path.exists(onnx_path) else None, inputs
    model = model.eval()
    with torch.no_grad():
        scripted = torch.jit.script(model) if how == "script" else torch.jit.trace(model, inputs)
    torch.jit.save(scripted, pt)
    # numpy has no bfloat16: such inputs are not used by the zoo (bf16 models take int ids)
    np.savez(npz, **{f"arg{i}": to_numpy(x) for i, x in enumerate(inputs)})
    try:
        buf = io.BytesIO()
        # outside no_grad: under it nn.MultiheadAttention takes its fused fast path, which has no
        # ONNX export (the TorchScript archive keeps the fused op, as libtorch runs it)
        torch.onnx.export(scripted if how == "script" else model, inputs, buf, dynamo=False, opset_version=17)
        with open(onnx_path, "wb") as f:
            f.write(buf.getvalue())
    except Exception as e:  # noqa: BLE001
        print(f"  {name}: ONNX export failed: {str(e).splitlines()[0][:200]}", file=sys.stderr)
        onnx_path = None
    return pt, npz, onnx_path, inputs


def timed(fn, iters, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def bench_torch(pt, inputs, threads, iters, warmup):
    torch.set_num_threads(threads)
    loads = []
    for _ in range(3):
        t0 = time.perf_counter()
        module = torch.jit.load(pt)
        loads.append((time.perf_counter() - t0) * 1e3)
    with torch.no_grad():
        med = timed(lambda: module(*inputs), iters, warmup)
    return {"load_ms": statistics.median(loads), "median_ms": med}


def bench_ort(onnx_path, inputs, threads, iters, warmup):
    if onnx_path is None:
        return None
    import onnxruntime as ort

    try:
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
        names = [i.name for i in sess.get_inputs()]
        feed = {n: to_numpy(x) for n, x in zip(names, inputs)}
        return {"median_ms": timed(lambda: sess.run(None, feed), iters, warmup)}
    except Exception as e:  # noqa: BLE001
        print(f"  ORT failed: {str(e).splitlines()[0][:200]}", file=sys.stderr)
        return None


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", help="zoo entries (default: all)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--budget-ms", type=float, default=1500, help="time per measurement sets the iterations")
    ap.add_argument("--max-iters", type=int, default=30)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/torchscript"))
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--no-check", action="store_true")
    ap.add_argument("--keep", help="keep the generated models in this folder")
    ap.add_argument("--reuse", action="store_true", help="with --keep: reuse models built by an earlier run")
    ap.add_argument("--json", help="write all rows here")
    ap.add_argument("--derived-weights", action="store_true",
                    help="also time ours with derived weight forms on (extra columns)")
    args = ap.parse_args()
    if args.list:
        print("\n".join(ZOO))
        return
    names = args.models or list(ZOO)
    threads = [int(t) for t in args.threads.split(",") if t]
    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="torchscript-zoo-")
    workdir = args.keep or tmp.name
    os.makedirs(workdir, exist_ok=True)

    rows = []
    for name in names:
        print(f"{name}: building", file=sys.stderr)
        try:
            pt, npz, onnx_path, inputs = build(name, workdir, args.reuse)
        except Exception as e:  # noqa: BLE001
            print(f"  {name}: build failed: {e}", file=sys.stderr)
            continue
        out_npz = os.path.join(workdir, "out.npz")
        diff = None if args.no_check else max_abs_diff(args.bin, pt, npz, inputs, out_npz, args.timeout)
        dw_flag = ("--derived-weights",)
        if args.derived_weights and not args.no_check:
            diff_dw = max_abs_diff(args.bin, pt, npz, inputs, out_npz, args.timeout, extra=dw_flag)
            diff = None if diff is None or diff_dw is None else max(diff, diff_dw)
        # iterations from one libtorch call, so every runtime gets the same count
        torch.set_num_threads(1)
        module = torch.jit.load(pt)
        with torch.no_grad():
            module(*inputs)
            t0 = time.perf_counter()
            module(*inputs)
            one = (time.perf_counter() - t0) * 1e3
        iters = max(5, min(args.max_iters, int(args.budget_ms / max(one, 1e-3))))
        warmup = 2 if one > 50 else 5
        for t in threads:
            print(f"  threads={t} iters={iters}", file=sys.stderr)
            tr = bench_torch(pt, inputs, t, iters, warmup)
            ours = bench_ours(args.bin, pt, npz, t, iters, warmup, args.timeout)
            ours_dw = (bench_ours(args.bin, pt, npz, t, iters, warmup, args.timeout, extra=dw_flag)
                       if args.derived_weights else None)
            ort_r = bench_ort(onnx_path, inputs, t, iters, warmup)
            rows.append(dict(model=name, threads=t, iters=iters, torch=tr, ours=ours, ours_dw=ours_dw, ort=ort_r,
                             max_abs_diff=diff, mb=os.path.getsize(pt) / 2**20))

    hdr = ["model", "MB", "thr", "torch load", "ours load", "load x", "1st load x", "torch ms", "ORT ms", "ours ms", "x torch",
           "x ORT", "max|diff|"]
    if args.derived_weights:
        hdr += ["dw ms", "dw x torch", "dw x ORT", "dw MB"]
    table = [hdr]
    for r in rows:
        tr, o, ox = r["torch"], r["ours"] or {}, r["ort"] or {}
        dw = r["ours_dw"] or {}
        dw_cells = [fmt(dw.get("median_ms")), fmt(ratio(dw.get("median_ms"), tr["median_ms"])),
                    fmt(ratio(dw.get("median_ms"), ox.get("median_ms"))),
                    fmt(dw["derived_weight_bytes"] / 2**20, 1) if "derived_weight_bytes" in dw else "-"]
        table.append([r["model"], fmt(r["mb"], 1), str(r["threads"]), fmt(tr["load_ms"]), fmt(o.get("load_ms")),
                      fmt(ratio(o.get("load_ms"), tr["load_ms"]), 3),
                      fmt(ratio(o.get("first_load_ms"), tr["load_ms"]), 3), fmt(tr["median_ms"]), fmt(ox.get("median_ms")),
                      fmt(o.get("median_ms")), fmt(ratio(o.get("median_ms"), tr["median_ms"])),
                      fmt(ratio(o.get("median_ms"), ox.get("median_ms"))),
                      "-" if r["max_abs_diff"] is None else f"{r['max_abs_diff']:.2g}"]
                     + (dw_cells if args.derived_weights else []))
    widths = [max(len(row[i]) for row in table) for i in range(len(hdr))]
    print("times in ms (medians); x = ours / other runtime, lower is better for us")
    for i, row in enumerate(table):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print()
    for t in threads:
        rs = [r for r in rows if r["threads"] == t and r["ours"]]
        vs_torch = [ratio(r["ours"]["median_ms"], r["torch"]["median_ms"]) for r in rs]
        vs_ort = [ratio(r["ours"]["median_ms"], r["ort"]["median_ms"]) for r in rs if r["ort"]]
        load = [ratio(r["ours"]["load_ms"], r["torch"]["load_ms"]) for r in rs]
        first_load = [ratio(r["ours"].get("first_load_ms"), r["torch"]["load_ms"]) for r in rs]
        worst = max(rs, key=lambda r: r["ours"]["median_ms"] / r["torch"]["median_ms"], default=None)
        print(f"threads={t}: ran {len(rs)}/{len([r for r in rows if r['threads'] == t])}; geomean ours/libtorch "
              f"{fmt(geomean(vs_torch))} (target <= 0.7), worst {fmt(max(vs_torch, default=None))}"
              f" ({worst['model'] if worst else '-'}, target <= 1.3); ours/ORT {fmt(geomean(vs_ort))} over "
              f"{len(vs_ort)} (target <= 1.3); load ours/libtorch {fmt(geomean(load), 3)} (target <= 0.033), "
              f"first load {fmt(geomean(first_load), 3)}")
        ds = [r for r in rs if r["ours_dw"]]
        if args.derived_weights and ds:
            dw_torch = [ratio(r["ours_dw"]["median_ms"], r["torch"]["median_ms"]) for r in ds]
            dw_ort = [ratio(r["ours_dw"]["median_ms"], r["ort"]["median_ms"]) for r in ds if r["ort"]]
            print(f"threads={t}, derived weights on: ran {len(ds)}; geomean ours/libtorch {fmt(geomean(dw_torch))}, "
                  f"worst {fmt(max(dw_torch, default=None))}; ours/ORT {fmt(geomean(dw_ort))} over {len(dw_ort)}")
    finish(rows, args.json, tmp)


if __name__ == "__main__":
    main()
