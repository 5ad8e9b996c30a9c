"""The issues' speed targets, measured as ratios to hand-written NumPy in one process.

Runs a workload of ``../shared/bench/tfstyle.py`` (tapeflow) and the same workload of
``../shared/bench/numpy_floor.py`` alternately, several rounds, and prints the medians and
their ratio as one JSON line per workload. Alternating in one process means load from other
jobs on a shared machine hits both sides alike, so the ratio is steadier than two separate
runs. ``--cpu-time`` times process CPU time instead of wall time (steadier still on a busy
machine; use it with ``OPENBLAS_NUM_THREADS=1``, since idle BLAS threads spin and count).

usage: PYTHONPATH=src python benchmarks/compare_floor.py [--cpu-time] [--rounds N]
       [seed_loop] [mlp] [cnn]

Targets (issues 3 and 5): seed_loop <= 2.5x the floor (and <= 3 ms/epoch),
mlp <= 1.2x, cnn <= 0.8x.
"""
import contextlib
import io
import json
import os
import statistics
import sys
import time
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "..", "shared", "bench")
TARGETS = {"seed_loop": 2.5, "mlp": 1.2, "cnn": 0.8}
KEYS = {"seed_loop": ("epoch_s_median", 1e3, "ms/epoch"), "mlp": ("step_ms_median", 1, "ms/step"),
        "cnn": ("step_ms_median", 1, "ms/step")}


def _load(clock):
    os.environ["FW"] = "tapeflow"
    sys.path.insert(0, os.path.join(ROOT, "src"))
    sys.path.insert(0, BENCH)
    import numpy_floor
    import tfstyle
    fake_time = types.SimpleNamespace(perf_counter=clock)
    tfstyle.time = numpy_floor.time = fake_time   # both sides read the same clock
    return tfstyle, numpy_floor


def _run(fn):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn()
    return json.loads(out.getvalue().splitlines()[-1])


def compare(name, rounds, tfstyle, numpy_floor):
    key, scale, unit = KEYS[name]
    ours, floor = [], []
    for _ in range(rounds):
        ours.append(_run(getattr(tfstyle, name))[key] * scale)
        floor.append(_run(getattr(numpy_floor, name))[key] * scale)
    a, b = statistics.median(ours), statistics.median(floor)
    return {"workload": name, "unit": unit, "tapeflow": round(a, 3), "numpy_floor": round(b, 3),
            "ratio": round(a / b, 3), "target_ratio": TARGETS[name]}


def main(argv):
    clock = time.process_time if "--cpu-time" in argv else time.perf_counter
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 5
    names = [a for a in argv if a in KEYS] or list(KEYS)
    if not os.path.isdir(BENCH):
        sys.exit("compare_floor: %s not found (the shared benchmark scripts)" % BENCH)
    tfstyle, numpy_floor = _load(clock)
    for name in names:
        print(json.dumps(compare(name, rounds, tfstyle, numpy_floor)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
