"""Generate the zuko exactness fixtures of @bijective/interop (run once; the outputs are committed).

For each case below this script builds a zuko flow (zuko 1.6.0), trains it for a few hundred Adam
steps on synthetic data (so the weights are not at their initial values), and writes into
``packages/interop/fixtures/``:

- ``unsupported-*.safetensors``: state dicts of zuko flows and options that ``fromZuko`` refuses;
- ``<case>.safetensors``: ``flow.state_dict()`` exactly as ``safetensors.torch.save_file`` would
  write it (float32 weights, bool ``mask`` and int64 ``order`` buffers, ``base.loc``/``base.scale``);
- ``<case>.data.safetensors``: float32 tensors ``x`` (256 input rows), ``log_prob`` (zuko's
  ``flow(c).log_prob(x)``), ``z`` (256 standard-normal base draws), ``sample`` (zuko's sample from
  those draws, ``flow(c).transform.inv(z)``, which is what ``flow(c).sample()`` computes) and, for
  conditional cases, ``context``; the case's zuko constructor arguments are in ``__metadata__``.

The ``safetensors`` Python package is not installed on the machine this was written on, so the
files are written by hand with ``struct`` + ``json`` in the format of the safetensors spec
(https://github.com/huggingface/safetensors): an 8-byte little-endian header length ``N``, ``N`` bytes
of JSON ``{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`` (padded
with spaces to a multiple of 8), then the little-endian raw data, offsets relative to its start.

To regenerate (torch 1.13 + numpy from Debian's python3-torch; zuko's source is fetched, never
vendored):

    git clone --depth 1 --branch 1.6.0 https://github.com/probabilists/zuko /tmp/zuko
    # (or: git --git-dir=<mirror> archive HEAD | tar -x -C /tmp/zuko)
    PYTHONPATH=/tmp/zuko /usr/bin/python3 packages/interop/scripts/make-zuko-fixtures.py

The script is deterministic for a given torch build (seeded); after regenerating, run
``pnpm --filter @bijective/interop test``.
"""

import json
import math
import os
import struct
import sys

import numpy as np
import torch
import zuko

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures")

DTYPES = {
    torch.float32: "F32",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.bool: "BOOL",
    torch.uint8: "U8",
}


def save_safetensors(tensors, path, metadata=None):
    """Write ``tensors`` (name -> torch.Tensor) as a safetensors file, by hand."""
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {
            "dtype": DTYPES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def synthetic(n, features, context, generator):
    """Non-Gaussian data (a bent, skewed cloud) that depends on the context when there is one."""
    c = torch.randn(n, context, generator=generator) if context > 0 else None
    u = torch.randn(n, features, generator=generator)
    x = u.clone()
    x[:, 1:] = u[:, 1:] + 0.8 * torch.tanh(2 * u[:, :-1]) ** 2 - 0.4
    x[:, 0] = torch.sinh(0.6 * u[:, 0])
    if c is not None:
        w = torch.randn(context, features, generator=torch.Generator().manual_seed(99)) * 0.5
        x = x + c @ w
    return x.clamp(-4.5, 4.5), c


CASES = [
    # name, class, kwargs
    ("maf-2", "MAF", dict(features=2, context=0, transforms=3, hidden_features=[64, 64])),
    ("realnvp-2", "RealNVP", dict(features=2, context=0, transforms=3, hidden_features=[64, 64])),
    ("nsf-2", "NSF", dict(features=2, context=0, transforms=3, hidden_features=[64, 64], bins=8)),
    ("maf-30-ctx3", "MAF", dict(features=30, context=3, transforms=3, hidden_features=[128, 128])),
    ("realnvp-30-ctx3", "RealNVP", dict(features=30, context=3, transforms=3, hidden_features=[128, 128])),
    ("nsf-30", "NSF", dict(features=30, context=0, transforms=2, hidden_features=[128, 128], bins=5)),
    ("maf-5-randperm", "MAF", dict(features=5, context=0, transforms=4, hidden_features=[32, 32], randperm=True)),
    ("realnvp-5-randmask", "RealNVP", dict(features=5, context=0, transforms=4, hidden_features=[32, 32], randmask=True)),
]


# State dicts of what fromZuko must refuse (initial weights; only their key layout and buffers matter).
UNSUPPORTED = [
    ("unsupported-naf", "NAF", dict(features=2, transforms=1, hidden_features=[8])),
    ("unsupported-ncsf", "NCSF", dict(features=2, transforms=1, hidden_features=[8])),
    ("unsupported-maf-residual", "MAF", dict(features=3, transforms=1, hidden_features=[8, 8], residual=True)),
    ("unsupported-maf-passes2", "MAF", dict(features=4, transforms=1, hidden_features=[8], passes=2)),
]


def make(name, cls, kwargs, seed):
    torch.manual_seed(seed)
    flow = getattr(zuko.flows, cls)(**kwargs)
    features, context = kwargs["features"], kwargs["context"]
    gen = torch.Generator().manual_seed(1000 + seed)
    data, ctx = synthetic(4096, features, context, gen)
    opt = torch.optim.Adam(flow.parameters(), lr=1e-3)
    steps = 300
    for step in range(steps):
        idx = torch.randint(0, data.shape[0], (256,), generator=gen)
        loss = -flow(ctx[idx] if ctx is not None else None).log_prob(data[idx]).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"{name}: {sum(p.numel() for p in flow.parameters())} parameters, final loss {loss.item():.4f}")

    x, c = synthetic(256, features, context, gen)
    # A few rows outside the spline bound [-5, 5] exercise the identity tails.
    x[:4, 0] = torch.tensor([-7.0, 6.0, 5.5, -5.25])
    z = torch.randn(256, features, generator=gen)
    with torch.no_grad():
        d = flow(c)
        log_prob = d.log_prob(x)
        sample = d.transform.inv(z)
    tensors = {"x": x, "log_prob": log_prob, "z": z, "sample": sample}
    if c is not None:
        tensors["context"] = c
    meta = {"flow": cls, "zuko": zuko.__version__, "torch": torch.__version__, "steps": steps}
    meta.update({k: json.dumps(v) for k, v in kwargs.items()})
    save_safetensors(flow.state_dict(), os.path.join(OUT, f"{name}.safetensors"), {"flow": cls})
    save_safetensors(tensors, os.path.join(OUT, f"{name}.data.safetensors"), meta)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    only = sys.argv[1:]
    for i, (name, cls, kwargs) in enumerate(CASES):
        if not only or name in only:
            make(name, cls, kwargs, i)
    for i, (name, cls, kwargs) in enumerate(UNSUPPORTED):
        if not only or name in only:
            torch.manual_seed(100 + i)
            flow = getattr(zuko.flows, cls)(**kwargs)
            save_safetensors(flow.state_dict(), os.path.join(OUT, f"{name}.safetensors"), {"flow": cls})
