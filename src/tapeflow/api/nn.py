"""``tf.nn``."""
from ..ops.nn import *  # noqa: F401,F403
from ..ops.math import sigmoid, tanh, softplus, softsign  # noqa: F401
