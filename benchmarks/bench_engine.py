"""Engine micro-benchmarks: import time, the seed's first example, per-op overhead.

usage: python benchmarks/bench_engine.py [--quick]

Prints one JSON line per measurement, then a table. Targets (issue 2):
  * ``import tapeflow`` in a fresh process <= 2x ``import numpy`` measured the same way;
  * the seed's first example (``y = x * x`` under a tape, then ``gradient``) <= 10 us/iter.
Timings are medians of repeated runs, in CPU time of the measuring process (see ``CLOCK``);
compare numbers taken in one run. ``--quick`` does fewer repeats (a smoke test, not a measurement).
"""
import json
import os
import statistics
import subprocess
import sys
import time
import timeit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

# CPU time of this process: on a shared machine it is far less disturbed by other
# processes than wall time, and for single-threaded Python loops the two agree when idle.
CLOCK = time.process_time
IMPORT_SNIPPET = ("import time; t = time.process_time(); import {module}; "
                  "print(time.process_time() - t)")


def import_seconds(module, runs):
    """Median CPU time of ``import module`` in ``runs`` fresh interpreters.

    Bytecode caching is allowed and one untimed run warms it, as for an installed package
    (pip compiles on install; NumPy's site-packages already hold .pyc files). With
    PYTHONDONTWRITEBYTECODE set, tapeflow would be compiled from source on every run and
    NumPy not, which measures the compiler rather than the import.
    """
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-c", "import " + module], env=env, check=True)
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", IMPORT_SNIPPET.format(module=module)],
                             capture_output=True, text=True, env=env, check=True)
        times.append(float(out.stdout))
    return statistics.median(times)


def per_call_us(fn, number, repeats):
    """Median over ``repeats`` of the mean time of ``number`` calls, in microseconds."""
    runs = timeit.repeat(fn, number=number, repeat=repeats, timer=CLOCK)
    return statistics.median(runs) / number * 1e6


def seed_example_loop():
    import tapeflow as tf
    x = tf.constant(3.0)

    def step():
        with tf.GradientTape() as g:
            g.watch(x)
            y = x * x
        return g.gradient(y, x)

    assert float(step()) == 6.0
    return step


def op_cases():
    """``x * y`` on scalars and on 32x32 matrices: NumPy alone, no tape, an idle tape, a
    recording tape (the op is recorded)."""
    import numpy as np
    import tapeflow as tf
    cases = {}
    for label, shape in (("scalar", ()), ("32x32", (32, 32))):
        a = np.ones(shape, np.float32) if shape else np.float32(1.5)
        x, y = tf.constant(a), tf.constant(a)
        cases["numpy_mul_" + label] = (lambda a=a: a * a, None)
        cases["op_mul_" + label] = (lambda x=x, y=y: x * y, None)
        cases["op_mul_idle_tape_" + label] = (lambda x=x, y=y: x * y, (tf, None))
        cases["op_mul_recorded_" + label] = (lambda x=x, y=y: x * y, (tf, x))
    return cases


def timed_under_tape(fn, tape_spec, number, repeats):
    if tape_spec is None:
        return per_call_us(fn, number, repeats)
    tf, watched = tape_spec
    # persistent so that the records of all repeats stay valid; cleared between repeats
    with tf.GradientTape(persistent=True) as g:
        if watched is not None:
            g.watch(watched)
        runs = []
        for _ in range(repeats):
            g.reset()
            if watched is not None:
                g.watch(watched)
            t = CLOCK()
            for _ in range(number):
                fn()
            runs.append(CLOCK() - t)
    return statistics.median(runs) / number * 1e6


def main(quick=False):
    import_runs = 3 if quick else 9
    repeats = 3 if quick else 15
    number = 500 if quick else 3000
    results = []

    def emit(name, value, unit, target=None):
        row = {"bench": name, "value": round(value, 4), "unit": unit}
        if target is not None:
            row["target"] = target
        results.append(row)
        print(json.dumps(row), flush=True)

    np_s = import_seconds("numpy", import_runs)
    tf_s = import_seconds("tapeflow", import_runs)
    emit("import_numpy", np_s * 1e3, "ms")
    emit("import_tapeflow", tf_s * 1e3, "ms")
    emit("import_ratio", tf_s / np_s, "x numpy", "<= 2")
    emit("micro_tape", per_call_us(seed_example_loop(), number, repeats), "us/iter", "<= 10")
    for name, (fn, tape_spec) in op_cases().items():
        emit(name, timed_under_tape(fn, tape_spec, number, repeats), "us/op")

    print("\n%-28s %12s  %-9s %s" % ("benchmark", "median", "unit", "target"))
    for row in results:
        print("%-28s %12.3f  %-9s %s" % (row["bench"], row["value"], row["unit"],
                                          row.get("target", "")))


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
