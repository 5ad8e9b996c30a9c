"""The top-level ``tf.*`` namespace: TF 2's aliases and what loads lazily."""
import os
import subprocess
import sys

import tapeflow as tf


def test_tf_metrics_losses_optimizers_initializers_alias_the_keras_modules():
    assert tf.metrics is tf.keras.metrics and tf.losses is tf.keras.losses
    assert tf.optimizers is tf.keras.optimizers and tf.initializers is tf.keras.initializers


def test_import_loads_neither_keras_nor_the_optional_packages():
    code = ("import sys, tapeflow as tf; tf.strings.lower('A'); "
            "print(sorted(m for m in ('tapeflow.keras', 'h5py', 'PIL') if m in sys.modules))")
    src = os.path.dirname(os.path.dirname(os.path.abspath(tf.__file__)))
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env)
    assert out.stdout.strip() == "[]"
