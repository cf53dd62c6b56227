"""Time zuko's MAF, RealNVP and NSF for the bench's speed mode (live reference column).

Run by ``apps/bench/src/zukoLive.ts`` as a subprocess; never downloads anything. Needs PyTorch
(Debian's ``python3-torch``) and zuko's source on ``PYTHONPATH``; neither is vendored.

Reads one JSON request on stdin::

    {"cells": [{"model": "MAF" | "RealNVP" | "NSF", "op": "train" | "logProb" | "sample",
                "dim": 2, "hidden": [64, 64], "transforms": 5, "batch": 256}, ...],
     "warmup": 3, "reps": 20, "maxSeconds": 5, "minReps": 3, "seed": 0, "threads": 2}

and writes one JSON object on stdout::

    {"zuko": "1.6.0", "torch": "1.13.0", "threads": 2, "python": "3.11.2",
     "cells": [{...the cell..., "params": 23060, "seconds": [...], "calls": 23}
               | {...the cell..., "error": "..."}]}

or ``{"error": "..."}`` (exit status 3) when torch or zuko cannot be imported.

What is timed matches the bench's cells: the flow at its initial parameters;
``train`` = one Adam step (lr 1e-3) on ``-flow().log_prob(x).mean()`` for a fixed standard-normal
batch; ``logProb`` = ``flow().log_prob(x)`` without gradients; ``sample`` = ``flow().sample((n,))``
without gradients. Warm-up and repetitions follow the bench's ``timeRepeated``: ``warmup``
untimed calls (cut short once they took ``maxSeconds``), then up to ``reps`` timed calls, stopping
after ``maxSeconds`` of timed work once ``minReps`` are in. PyTorch runs ``threads`` intra-op
threads with BLAS on one thread (two BLAS threads beside two torch threads are 2-4x slower on 2 cores).
"""

import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")


def fail(message):
    json.dump({"error": message}, sys.stdout)
    sys.stdout.write("\n")
    sys.exit(3)


try:
    import torch
except Exception as e:  # noqa: BLE001 - any import failure means "no live reference"
    fail(f"cannot import torch: {e}")
try:
    import zuko
except Exception as e:  # noqa: BLE001
    fail(f"cannot import zuko (put its source on PYTHONPATH): {e}")


def build(model, dim, hidden, transforms):
    kwargs = dict(transforms=transforms, hidden_features=list(hidden))
    if model == "MAF":
        return zuko.flows.MAF(dim, **kwargs)
    if model == "RealNVP":
        return zuko.flows.RealNVP(dim, **kwargs)
    if model == "NSF":
        return zuko.flows.NSF(dim, bins=8, **kwargs)
    raise ValueError(f"unknown model {model!r}")


def prepare(flow, op, dim, batch):
    x = torch.randn(batch, dim)
    if op == "train":
        opt = torch.optim.Adam(flow.parameters(), lr=1e-3)

        def step():
            opt.zero_grad()
            loss = -flow().log_prob(x).mean()
            loss.backward()
            opt.step()
            value = float(loss)
            if value != value or value in (float("inf"), float("-inf")):
                raise RuntimeError(f"training step gave a non-finite loss ({value})")

        return step
    if op == "logProb":

        def log_prob():
            with torch.no_grad():
                flow().log_prob(x)

        return log_prob
    if op == "sample":

        def sample():
            with torch.no_grad():
                flow().sample((batch,))

        return sample
    raise ValueError(f"unknown op {op!r}")


def time_repeated(run, warmup, reps, max_seconds, min_reps):
    calls = 0
    start = time.perf_counter()
    for _ in range(warmup):
        run()
        calls += 1
        if time.perf_counter() - start >= max_seconds:
            break
    min_reps = min(reps, min_reps)
    seconds = []
    total = 0.0
    while len(seconds) < reps and not (len(seconds) >= min_reps and total >= max_seconds):
        t0 = time.perf_counter()
        run()
        dt = time.perf_counter() - t0
        calls += 1
        seconds.append(dt)
        total += dt
    return seconds, calls


def main():
    request = json.load(sys.stdin)
    threads = int(request.get("threads", 2))
    torch.set_num_threads(threads)
    out = []
    for cell in request["cells"]:
        try:
            torch.manual_seed(int(request.get("seed", 0)))
            flow = build(cell["model"], cell["dim"], cell["hidden"], cell["transforms"])
            params = sum(p.numel() for p in flow.parameters())
            run = prepare(flow, cell["op"], cell["dim"], cell["batch"])
            seconds, calls = time_repeated(
                run,
                int(request["warmup"]),
                int(request["reps"]),
                float(request["maxSeconds"]),
                int(request.get("minReps", 3)),
            )
            out.append({**cell, "params": params, "seconds": seconds, "calls": calls})
        except Exception as e:  # noqa: BLE001 - one failed cell must not lose the others
            out.append({**cell, "error": f"{type(e).__name__}: {e}"})
    json.dump(
        {
            "zuko": getattr(zuko, "__version__", "unknown"),
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "python": sys.version.split()[0],
            "cells": out,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
