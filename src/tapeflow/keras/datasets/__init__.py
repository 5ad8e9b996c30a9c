"""``tf.keras.datasets``: small real datasets that ship with tapeflow, plus readers for
local copies of larger ones.

Bundled (from scikit-learn, BSD-3; see ``data/LICENSE-scikit-learn.txt``): ``digits``,
``iris``, ``wine``, ``breast_cancer``. Local files only: ``mnist``, ``fashion_mnist``.
"""
from . import breast_cancer, digits, fashion_mnist, iris, mnist, wine

__all__ = ["digits", "iris", "wine", "breast_cancer", "mnist", "fashion_mnist"]
