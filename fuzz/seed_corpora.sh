#!/bin/sh
# Builds the fuzz seed corpora from the golden cases (models/cases): archives, their pickles and
# their code files. Run from anywhere; writes fuzz/corpus/<target>/ (not committed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cases="$here/../models/cases"
out="$here/corpus"
mkdir -p "$out/zip_directory" "$out/load_archive" "$out/unpickle" "$out/parse" "$out/lower" \
    "$out/run_code" "$out/run_inputs"
for model in "$cases"/*/model.pt; do
    name=$(basename "$(dirname "$model")")
    size=$(wc -c < "$model")
    # Only the small archives: libFuzzer works best on inputs of a few KiB.
    if [ "$size" -le 65536 ]; then
        cp "$model" "$out/zip_directory/$name.pt"
        cp "$model" "$out/load_archive/$name.pt"
    fi
    python3 - "$model" "$out" "$name" <<'PY'
import hashlib, sys, zipfile
model, out, name = sys.argv[1:]
z = zipfile.ZipFile(model)
for entry in z.namelist():
    base = entry.split("/", 1)[1] if "/" in entry else entry
    data = z.read(entry)
    # Files are named by content hash: the same module code in many cases is kept once.
    digest = hashlib.sha1(data).hexdigest()[:16]
    if base in ("data.pkl", "constants.pkl") and len(data) <= 65536:
        open(f"{out}/unpickle/{digest}", "wb").write(data)
    elif base.startswith("code/") and base.endswith(".py") and len(data) <= 65536:
        for target in ("parse", "lower"):
            open(f"{out}/{target}/{digest}", "wb").write(data)
PY
done
# run_code: small functions named `f(x, n)` in the style of the archives' code.
printf 'def f(x: Tensor, n: int) -> Tensor:\n  y = torch.relu(x)\n  for i in range(n):\n    y = torch.add(y, x)\n  return y\n' > "$out/run_code/loop"
printf 'def f(x: Tensor, n: int) -> List[Tensor]:\n  ys = torch.chunk(x, n)\n  return ys\n' > "$out/run_code/chunk"
printf 'def f(x: Tensor, n: int) -> Tensor:\n  if torch.gt(n, 2):\n    return torch.matmul(x, torch.t(x))\n  return torch.sum(x)\n' > "$out/run_code/branch"
printf '\002\003\004' > "$out/run_inputs/small"
printf '\001\010' > "$out/run_inputs/vector"
echo "corpora in $out"
