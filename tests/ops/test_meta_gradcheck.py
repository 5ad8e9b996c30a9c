"""Every differentiable primitive has a finite-difference gradient check somewhere.

Each gradient test module lists the primitives it checks in a module-level set
``GRAD_COVERED``. Every ``tests/**/test_*_grad.py`` must have one; any other test module that
assigns ``GRAD_COVERED`` counts too. The test fails naming every differentiable primitive of
``tapeflow.ops.PRIMITIVES`` that no module lists.
"""
import importlib
import importlib.util
import os
import pkgutil
import sys

import tapeflow
import tapeflow.ops

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _test_files():
    found = []
    for root, _, files in os.walk(TESTS_DIR):
        found += [os.path.join(root, f) for f in files
                  if f.startswith("test_") and f.endswith(".py") and f != os.path.basename(__file__)]
    return sorted(found)


def _gradient_test_files():
    """Modules named test_*_grad.py, and any test module that assigns GRAD_COVERED."""
    found = []
    for path in _test_files():
        if path.endswith("_grad.py"):
            found.append(path)
        else:
            with open(path, encoding="utf-8") as f:
                if "\nGRAD_COVERED" in f.read():
                    found.append(path)
    return found


def _load(path):
    """The module at ``path``, reusing pytest's import of it when there is one."""
    name = os.path.splitext(os.path.basename(path))[0]
    mod = sys.modules.get(name)
    if mod is not None and os.path.abspath(getattr(mod, "__file__", "") or "") == path:
        return mod
    unique = "_gradcov_" + os.path.relpath(path, TESTS_DIR).replace(os.sep, "_")[:-3]
    if unique in sys.modules:
        return sys.modules[unique]
    spec = importlib.util.spec_from_file_location(unique, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[unique] = mod
    spec.loader.exec_module(mod)
    return mod


def _import_all_ops():
    """Primitives register on import: load every module of tapeflow.ops."""
    for info in pkgutil.iter_modules(tapeflow.ops.__path__):
        importlib.import_module("tapeflow.ops." + info.name)


def test_gradient_test_modules_declare_coverage():
    named = [p for p in _gradient_test_files() if p.endswith("_grad.py")]
    missing = [p for p in named if not hasattr(_load(p), "GRAD_COVERED")]
    assert not missing, "gradient test modules without a GRAD_COVERED set: %s" % missing


def test_every_differentiable_primitive_has_a_gradient_check():
    _import_all_ops()
    covered = set()
    for path in _gradient_test_files():
        covered |= set(getattr(_load(path), "GRAD_COVERED", ()))
    differentiable = {name for name, op in tapeflow.ops.PRIMITIVES.items() if op.differentiable}
    unchecked = sorted(differentiable - covered)
    assert not unchecked, (
        "differentiable primitives without a finite-difference gradient check (add a check with "
        "tests/gradcheck.py and list the name in a GRAD_COVERED set): %s" % ", ".join(unchecked))


def test_coverage_names_are_real_primitives():
    _import_all_ops()
    unknown = set()
    for path in _gradient_test_files():
        unknown |= set(getattr(_load(path), "GRAD_COVERED", ())) - set(tapeflow.ops.PRIMITIVES)
    assert not unknown, "GRAD_COVERED names that are not primitives: %s" % sorted(unknown)
