"""Check that state dicts written by @bijective/interop's ``toZuko`` load into zuko and give the same
log-densities (a local check with torch; CI checks the other direction with committed fixtures).

    node --conditions=@bijective/source --import tsx packages/interop/scripts/write-bijective-models.ts /tmp/interop-check
    PYTHONPATH=/tmp/zuko /usr/bin/python3 packages/interop/scripts/check-to-zuko.py /tmp/interop-check

zuko's source goes on PYTHONPATH from a temporary folder (see make-zuko-fixtures.py). The files are
read by hand (struct + json), as the ``safetensors`` package is not installed here.
"""

import glob
import json
import os
import struct
import sys

import numpy as np
import torch
import zuko

NP = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "BOOL": np.bool_, "U8": np.uint8}


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n :]
    tensors = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        arr = np.frombuffer(data[b:end], dtype=NP[e["dtype"]]).reshape(e["shape"])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


def main(folder):
    failures = 0
    for path in sorted(glob.glob(os.path.join(folder, "*.data.safetensors"))):
        name = os.path.basename(path)[: -len(".data.safetensors")]
        data, meta = load_safetensors(path)
        state, _ = load_safetensors(os.path.join(folder, f"{name}.safetensors"))
        kwargs = {k: json.loads(v) for k, v in meta.items() if k != "flow"}
        flow = getattr(zuko.flows, meta["flow"])(**kwargs)
        flow.load_state_dict(state, strict=True)  # raises on a missing/unexpected key or a shape mismatch
        with torch.no_grad():
            lp = flow(data.get("context")).log_prob(data["x"])
        # float32 on both sides: 1e-4 absolute, relative for large |log p| (rounding grows with it).
        diff = ((lp - data["log_prob"]).abs() / data["log_prob"].abs().clamp(min=1)).max().item()
        ok = diff < 1e-4
        failures += not ok
        print(f"{name}: zuko.flows.{meta['flow']}({kwargs}) loaded; max |log_prob - bijective| / max(1, |log_prob|) = {diff:.2e} {'OK' if ok else 'FAIL'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/interop-check")
