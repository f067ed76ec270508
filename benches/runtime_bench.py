#!/usr/bin/env python3
"""Runtime benchmark: our task and actor pools against PyTorch, side by side, in one command.

Builds two models into a temporary directory (never committed): torchvision resnet18 (random
seeded weights, traced, 1x3x224x224) and a ~180 MB MLP (5 x Linear(3000), scripted, 1x3000),
then for each model measures

  * calls per second with 1, 2, 4 workers in task and actor mode
    (ours: `BIN bench MODEL --mode task|actor --workers W --threads T` with T = max(1, cores/W);
     PyTorch: W Python threads calling one `torch.jit.load`ed module, torch.set_num_threads(T));
  * latency (median) of one caller at 1 and 2 intra-op threads (ours: `BIN bench --threads T`;
    PyTorch: torch.set_num_threads(T));
  * memory from /proc/PID/status (RssAnon = anonymous, RssFile = file-backed, VmHWM = peak):
    ours with 1, 4, 8 actor workers in one process, right after the calls and once idle (the
    pool alive, past the runtime's release delay), beside PyTorch with 1, 4, 8 threads calling
    one module in one process; 4 separate processes of ours (1 worker each) and 4 separate
    processes each running torch.jit.load + the same calls.

Usage (needs torch + torchvision, and `cargo build --release`):
    /work/torchvenv/bin/python benches/runtime_bench.py [--iters 20] [--models resnet18,mlp]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")

import torch  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORES = os.cpu_count() or 1


def build_models(tmp, names):
    torch.manual_seed(0)
    models = {}
    if "resnet18" in names:
        import torchvision

        m = torchvision.models.resnet18(weights=None).eval()
        x = torch.randn(1, 3, 224, 224)
        with torch.no_grad():
            traced = torch.jit.trace(m, x)
        models["resnet18"] = save(tmp, "resnet18", traced, x)
    if "mlp" in names:
        layers = []
        for _ in range(5):
            layers += [torch.nn.Linear(3000, 3000), torch.nn.ReLU()]
        m = torch.nn.Sequential(*layers).eval()
        x = torch.randn(1, 3000)
        models["mlp"] = save(tmp, "mlp", torch.jit.script(m), x)
    return models


def save(tmp, name, module, x):
    path = os.path.join(tmp, f"{name}.pt")
    torch.jit.save(module, path)
    inputs = os.path.join(tmp, f"{name}_in.npz")
    np.savez(inputs, arg0=x.numpy())
    return {"path": path, "inputs": inputs, "x": x, "mb": os.path.getsize(path) / 2**20}


def ours(binary, model, iters, **kw):
    cmd = [binary, "bench", model["path"], "--inputs", model["inputs"], "--iters", str(iters),
           "--warmup", "2"]
    for k, v in kw.items():
        cmd += [f"--{k}", str(v)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def torch_calls(path, x, workers, threads, iters):
    """W threads calling one loaded module in a closed loop: calls/s and median latency."""
    torch.set_num_threads(threads)
    m = torch.jit.load(path)
    with torch.no_grad():
        for _ in range(2):
            m(x)
    lat, lock, counter = [], threading.Lock(), [0]

    def client():
        with torch.no_grad():
            while True:
                with lock:
                    if counter[0] >= iters:
                        return
                    counter[0] += 1
                t = time.perf_counter()
                m(x)
                with lock:
                    lat.append((time.perf_counter() - t) * 1e3)

    start = time.perf_counter()
    ts = [threading.Thread(target=client) for _ in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.perf_counter() - start
    return {"calls_per_s": iters / wall, "median_ms": statistics.median(lat)}


TORCH_CHILD = r"""
import sys, json, numpy as np, torch
torch.set_num_threads(1)
m = torch.jit.load(sys.argv[1]); x = torch.from_numpy(np.load(sys.argv[2])["arg0"])
with torch.no_grad():
    for _ in range(int(sys.argv[3])): m(x)
st = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
kb = lambda k: float(st[k].split()[0]) / 1024
print(json.dumps({"anon_mb": kb("RssAnon"), "file_mb": kb("RssFile")}))
"""


TORCH_THREADS_CHILD = r"""
import sys, json, threading, time, numpy as np, torch
torch.set_num_threads(1)
m = torch.jit.load(sys.argv[1]); x = torch.from_numpy(np.load(sys.argv[2])["arg0"])
w = int(sys.argv[3])
def client():
    with torch.no_grad():
        for _ in range(2): m(x)
ts = [threading.Thread(target=client) for _ in range(w)]
[t.start() for t in ts]; [t.join() for t in ts]
def status():
    st = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
    return lambda k: float(st[k].split()[0]) / 1024
busy = status(); time.sleep(0.35); idle = status()
print(json.dumps({"anon_mb": busy("RssAnon"), "idle_anon_mb": idle("RssAnon"),
                  "file_mb": busy("RssFile"), "peak_mb": busy("VmHWM")}))
"""


def run_parallel(cmds):
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, text=True) for c in cmds]
    outs = [json.loads(p.communicate()[0]) for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit("a child process failed")
    return outs


def mean(xs):
    return sum(xs) / len(xs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/torchscript"))
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--models", default="resnet18,mlp")
    ap.add_argument("--workers", default="1,2,4")
    args = ap.parse_args()
    if not os.path.exists(args.bin):
        raise SystemExit(f"{args.bin} not found: cargo build --release")
    names = args.models.split(",")
    workers = [int(w) for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        models = build_models(tmp, names)
        for name, model in models.items():
            print(f"\n## {name} ({model['mb']:.0f} MB archive), {CORES} cores, {args.iters} calls per figure")
            print("\ncalls/s        | ours task | ours actor | torch (W threads)")
            base = {}
            for w in workers:
                t = max(1, CORES // w)
                task = ours(args.bin, model, args.iters, mode="task", workers=w, threads=t)
                actor = ours(args.bin, model, args.iters, mode="actor", workers=w, threads=t)
                th = torch_calls(model["path"], model["x"], w, t, args.iters)
                base.setdefault("task", task["calls_per_s"])
                base.setdefault("actor", actor["calls_per_s"])
                base.setdefault("torch", th["calls_per_s"])
                print(f"W={w} (T={t})     | {task['calls_per_s']:7.2f} ({task['calls_per_s'] / base['task']:.2f}x)"
                      f" | {actor['calls_per_s']:7.2f} ({actor['calls_per_s'] / base['actor']:.2f}x)"
                      f" | {th['calls_per_s']:7.2f} ({th['calls_per_s'] / base['torch']:.2f}x)")
            print("\nlatency (median ms) | ours | torch")
            lat = {}
            for t in (1, 2):
                o = ours(args.bin, model, args.iters, threads=t)
                th = torch_calls(model["path"], model["x"], 1, t, args.iters)
                lat[t] = (o["median_ms"], th["median_ms"])
                print(f"{t} intra-op thread(s) | {o['median_ms']:7.2f} | {th['median_ms']:7.2f}")
            print(f"speedup 1->2 threads | {lat[1][0] / lat[2][0]:.2f}x | {lat[1][1] / lat[2][1]:.2f}x")
            print("\nmemory (MB): anonymous right after the calls, anonymous once idle (pool alive,"
                  " past the release delay), file-backed, peak RSS, copied weight bytes")
            print("                                   | anon busy | anon idle | file-backed | peak RSS | copied")
            for w in (1, 4, 8):
                o = ours(args.bin, model, max(w, 8), mode="actor", workers=w, threads=1)
                print(f"ours, 1 process, {w} actor workers  | {o['anon_mb']:9.1f} | {o['idle_anon_mb']:9.1f}"
                      f" | {o['file_mb']:11.1f} | {o['peak_rss_mb']:8.1f} | {o['copied_weight_bytes']}")
                tcmd = [sys.executable, "-c", TORCH_THREADS_CHILD, model["path"], model["inputs"], str(w)]
                t = run_parallel([tcmd])[0]
                print(f"torch, 1 process, {w} threads        | {t['anon_mb']:9.1f} | {t['idle_anon_mb']:9.1f}"
                      f" | {t['file_mb']:11.1f} | {t['peak_mb']:8.1f} |")
            cmd = [args.bin, "bench", model["path"], "--inputs", model["inputs"], "--iters", "4",
                   "--warmup", "1", "--mode", "actor", "--workers", "1"]
            outs = run_parallel([cmd] * 4)
            print(f"ours, 4 processes (mean each)      | {mean([o['anon_mb'] for o in outs]):9.1f}"
                  f" | {mean([o['file_mb'] for o in outs]):11.1f} | {max(o['copied_weight_bytes'] for o in outs)}")
            tcmd = [sys.executable, "-c", TORCH_CHILD, model["path"], model["inputs"], "5"]
            touts = run_parallel([tcmd] * 4)
            print(f"torch.jit.load, 4 processes (mean) | {mean([o['anon_mb'] for o in touts]):9.1f}"
                  f" | {mean([o['file_mb'] for o in touts]):11.1f} |")


if __name__ == "__main__":
    main()
