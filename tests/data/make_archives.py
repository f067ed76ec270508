"""Makes the tiny TorchScript archives and their tensors.json expectations under tests/data/.

Run with a Python that has torch (not needed in CI): python tests/data/make_archives.py
"""
import json, os, zlib
from typing import Dict, List, Optional
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)


def tensor_record(name, t, storage_ids):
    t = t.detach()
    raw = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
    st = t.untyped_storage()
    key = st.data_ptr()
    if key not in storage_ids:
        storage_ids[key] = len(storage_ids)
    return {
        "name": name,
        "dtype": str(t.dtype).replace("torch.", ""),
        "shape": list(t.shape),
        "stride": list(t.stride()),
        "storage_offset": int(t.storage_offset()),
        "storage_group": storage_ids[key],
        "crc32": zlib.crc32(raw) & 0xFFFFFFFF,
    }


def walk_tensors(loaded):
    """Same naming as models/generate.py: attribute paths, list items `name.i`, dict values
    `name.k`, code constants `CONSTANTS.cN`."""
    it = torch._C._jit_debug_module_iterators(loaded._c)
    storage_ids = {}
    recs, seen = [], set()

    def add(name, t):
        if name not in seen:
            seen.add(name)
            recs.append(tensor_record(name, t, storage_ids))

    for name, v in it["named_attributes_r"]:
        if isinstance(v, torch.Tensor):
            add(name, v)
        elif isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                if isinstance(x, torch.Tensor):
                    add(f"{name}.{i}", x)
        elif isinstance(v, dict):
            for k, x in v.items():
                if isinstance(x, torch.Tensor):
                    add(f"{name}.{k}", x)
    for n, p in loaded.named_parameters(recurse=True, remove_duplicate=False):
        add(n, p)
    for n, b in loaded.named_buffers(recurse=True, remove_duplicate=False):
        add(n, b)
    try:
        consts = loaded.code_with_constants[1].const_mapping
    except Exception:
        consts = {}
    for k, v in consts.items():
        if isinstance(v, torch.Tensor):
            recs.append(tensor_record(f"CONSTANTS.{k}", v, storage_ids))
    return recs


def save(name, scripted):
    path = os.path.join(HERE, name + ".pt")
    torch.jit.save(scripted, path)
    loaded = torch.jit.load(path)
    with open(os.path.join(HERE, name + ".tensors.json"), "w") as f:
        json.dump(walk_tensors(loaded), f, indent=1)
    print(name, os.path.getsize(path))


class TinyMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Attrs(nn.Module):
    names: List[str]
    table: Dict[str, int]
    maybe: Optional[int]
    scales: List[float]
    flags: List[bool]
    nested: Dict[str, List[int]]

    def __init__(self):
        super().__init__()
        self.names = ["a", "bc"]
        self.table = {"x": 1, "y": -2}
        self.maybe = None
        self.scales = [0.5, 1.5]
        self.flags = [True, False]
        self.nested = {"k": [1, 2, 3]}
        self.count = 7
        self.ratio = 0.25
        self.label = "hello"
        self.tensors = [torch.ones(2), torch.zeros(3)]
        self.pair = (1, "two")
        self.lin = nn.Linear(2, 2)

    def forward(self, x):
        return self.lin(x) * self.ratio


class Views(nn.Module):
    def __init__(self):
        super().__init__()
        base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        self.register_buffer("base", base)
        self.register_buffer("transposed", base.t())
        self.register_buffer("row", base[1])
        self.register_buffer("col", base[:, 2])
        self.register_buffer("empty", torch.zeros(0, 3))
        self.register_buffer("scalar", torch.tensor(3.5))

    def forward(self, x):
        return x + self.transposed.sum()


class Dtypes(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("f16", torch.randn(2, 3).half())
        self.register_buffer("bf16", torch.randn(5).bfloat16())
        self.register_buffer("i64", torch.tensor([1, -2, 3**30], dtype=torch.int64))
        self.register_buffer("i32", torch.tensor([7, -8], dtype=torch.int32))
        self.register_buffer("i16", torch.tensor([7, -8], dtype=torch.int16))
        self.register_buffer("i8", torch.tensor([7, -8], dtype=torch.int8))
        self.register_buffer("u8", torch.tensor([7, 200], dtype=torch.uint8))
        self.register_buffer("b", torch.tensor([True, False, True]))
        self.register_buffer("f64", torch.randn(2, dtype=torch.float64))

    def forward(self, x):
        return x


class FrozenNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return torch.relu(self.fc(x))


class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        lstm = nn.LSTM(3, 4, num_layers=1, batch_first=True)
        # flat weights: every parameter a view of one storage, like cuDNN's flattened buffer
        flat = torch.cat([p.detach().reshape(-1) for p in lstm._flat_weights])
        offset = 0
        for pname in lstm._flat_weights_names:
            p = getattr(lstm, pname)
            n = p.numel()
            setattr(lstm, pname, nn.Parameter(flat[offset:offset + n].view_as(p)))
            offset += n
        lstm._init_flat_weights()
        self.lstm = lstm

    def forward(self, x):
        y, _ = self.lstm(x)
        return y


save("tiny_mlp", torch.jit.script(TinyMlp()))
save("attrs", torch.jit.script(Attrs()))
save("views", torch.jit.script(Views()))
save("dtypes", torch.jit.script(Dtypes()))
frozen = torch.jit.freeze(torch.jit.script(FrozenNet().eval()))
save("frozen", frozen)
save("lstm", torch.jit.script(Lstm()))
