"""The seed's four programs (../shared/acceptance) run verbatim with ``import tapeflow as tf``.

Each runs in a fresh interpreter, as a user would run it, with this checkout's ``src`` first
on the path.
"""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACCEPTANCE = os.path.join(ROOT, "..", "shared", "acceptance")
SCRIPTS = ["seed_1_tape.py", "seed_2_model_step.py", "seed_3_custom_loop.py",
           "seed_4_loop_metrics.py"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_seed_script_runs_verbatim(script, tmp_path):
    path = os.path.join(ACCEPTANCE, script)
    if not os.path.exists(path):
        pytest.skip("acceptance scripts not found at %s" % os.path.normpath(ACCEPTANCE))
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    done = subprocess.run([sys.executable, path], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "%s: ok" % script[:-3] in done.stdout
