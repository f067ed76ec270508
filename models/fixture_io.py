"""What models/generate.py, models/generate_legacy.py and models/check.py share: the fixture
conventions (how inputs and outputs become npz arrays, default tolerances, the tensors.json
records) and reading and rewriting archives. It imports only torch and numpy and pins no version,
so the torch 2.15 generator, the torch 2.0.1 one and the checker all use it.
"""

import io
import pickle
import random
import re
import zipfile
import zlib
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch


def seed_all(seed: int = 0):
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


# ---- conversions -----------------------------------------------------------------------------

def dtype_name(dt: torch.dtype) -> str:
    return str(dt).replace("torch.", "")


def tensor_to_numpy(t: torch.Tensor) -> np.ndarray:
    t = t.detach().cpu()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.contiguous().numpy()


def input_to_numpy(v) -> np.ndarray:
    if isinstance(v, torch.Tensor):
        assert v.dtype != torch.bfloat16, "bfloat16 inputs cannot be stored in npz"
        return tensor_to_numpy(v)
    if isinstance(v, bool):
        return np.array(v, dtype=np.bool_)
    if isinstance(v, int):
        return np.array(v, dtype=np.int64)
    if isinstance(v, float):
        return np.array(v, dtype=np.float64)
    raise TypeError(f"unsupported input type {type(v)}")


def flatten_outputs(v, out: List[Tuple[np.ndarray, str]]):
    """Depth-first flattening: tuples, lists, dict values in order; scalars to 0-d arrays."""
    if v is None or isinstance(v, str):
        return
    if isinstance(v, torch.Tensor):
        out.append((tensor_to_numpy(v), dtype_name(v.dtype)))
    elif isinstance(v, bool):
        out.append((np.array(v, dtype=np.bool_), "bool"))
    elif isinstance(v, int):
        out.append((np.array(v, dtype=np.int64), "int64"))
    elif isinstance(v, float):
        out.append((np.array(v, dtype=np.float64), "float64"))
    elif isinstance(v, (tuple, list)):
        for x in v:
            flatten_outputs(x, out)
    elif isinstance(v, dict):
        for x in v.values():
            flatten_outputs(x, out)
    else:
        raise TypeError(f"unsupported output type {type(v)}")


FLOAT_T = {"float32", "float64"}
HALF_T = {"float16", "bfloat16"}


def default_tolerance(dtypes: List[str]) -> Tuple[float, float]:
    if any(d in HALF_T for d in dtypes):
        return 2e-2, 2e-2
    if any(d in FLOAT_T for d in dtypes) or any(d.startswith("complex") for d in dtypes):
        return 1e-4, 1e-3
    return 0.0, 0.0


def tensor_record(name: str, kind: str, t: torch.Tensor, storage_ids: Dict[Any, int]) -> Dict[str, Any]:
    t = t.detach()
    raw = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
    st = t.untyped_storage()
    key = st.data_ptr() if st.nbytes() > 0 else ("empty", len(storage_ids))  # empty storages share no pointer
    if key not in storage_ids:
        storage_ids[key] = len(storage_ids)
    return {
        "name": name,
        "kind": kind,
        "dtype": dtype_name(t.dtype),
        "shape": list(t.shape),
        "stride": list(t.stride()),
        "storage_offset": int(t.storage_offset()),
        "storage_group": storage_ids[key],
        "storage_nbytes": int(st.nbytes()),
        "crc32": zlib.crc32(raw) & 0xFFFFFFFF,
    }


# ---- archives --------------------------------------------------------------------------------

def read_archive_constants(path: str) -> list:
    """The tuple in constants.pkl (CONSTANTS.c<i> in code/ is its i-th element), read straight from
    the zip: a loaded module's code_with_constants renumbers per method."""
    z = zipfile.ZipFile(path)
    names = z.namelist()
    top = names[0].split("/")[0]
    if f"{top}/constants.pkl" not in names:
        return []
    storages: Dict[str, Any] = {}

    class U(pickle.Unpickler):
        def persistent_load(self, pid):
            _, stype, key, _loc, _numel = pid
            if key not in storages:
                dtype = stype.dtype if hasattr(stype, "dtype") else stype(0).dtype
                data = z.read(f"{top}/constants/{key}")
                us = torch.UntypedStorage.from_buffer(data, dtype=torch.uint8) if data else torch.UntypedStorage(0)
                storages[key] = torch.storage.TypedStorage(wrap_storage=us, dtype=dtype, _internal=True)
            return storages[key]

    return list(U(io.BytesIO(z.read(f"{top}/constants.pkl"))).load())


def rewrite_archive(path: str, version: Optional[int] = None, code_subs: Optional[List[Tuple[str, str]]] = None):
    """Rewrites the zip at `path`: the `version` record to `version` (torch.jit.load then runs its
    operator upgraders for the ops whose semantics changed after it), and regex substitutions in
    `code/**/*.py` (each must match at least once). Data records keep 64-byte alignment."""
    src = zipfile.ZipFile(path)
    entries = [(i, src.read(i.filename)) for i in src.infolist()]
    src.close()
    out = io.BytesIO()
    used = [0] * len(code_subs or [])
    with zipfile.ZipFile(out, "w") as z:
        for info, data in entries:
            name = info.filename
            rel = name.split("/", 1)[1] if "/" in name else name
            if version is not None and rel in ("version", ".data/version"):
                data = f"{version}\n".encode()
            if code_subs and rel.startswith("code/") and rel.endswith(".py"):
                text = data.decode()
                for k, (pat, rep) in enumerate(code_subs):
                    text, n = re.subn(pat, rep, text)
                    used[k] += n
                data = text.encode()
            compress = zipfile.ZIP_DEFLATED if rel.startswith("code/") and info.compress_type else zipfile.ZIP_STORED
            zi = zipfile.ZipInfo(name, date_time=info.date_time)
            zi.compress_type = compress
            if compress == zipfile.ZIP_STORED:
                # pad the local header's extra field so the data starts on a 64-byte boundary
                header = 30 + len(name.encode())
                pad = (-(out.tell() + header + 4)) % 64
                zi.extra = b"FB" + pad.to_bytes(2, "little") + b"Z" * pad
            z.writestr(zi, data)
    assert all(u > 0 for u in used), f"code substitution unused: {code_subs} {used}"
    with open(path, "wb") as f:
        f.write(out.getvalue())


def archive_facts(path: str) -> Dict[str, Any]:
    """The archive's record names and its format `version` record."""
    z = zipfile.ZipFile(path)
    names = z.namelist()
    top = names[0].split("/")[0]
    facts: Dict[str, Any] = {"records": sorted(n.split("/", 1)[1] for n in names)}
    for rel in ("version", ".data/version"):
        if f"{top}/{rel}" in names:
            facts[rel] = z.read(f"{top}/{rel}").decode().strip()
    return facts


def format_version(path: str) -> int:
    facts = archive_facts(path)
    return int(facts.get("version") or facts.get(".data/version"))
