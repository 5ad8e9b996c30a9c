"""``tf.math``."""
from ..ops.math import *  # noqa: F401,F403
from ..ops.math import __all__ as _math_all
from ..ops.reduce import *  # noqa: F401,F403
from ..ops.array import cumprod, cumsum  # noqa: F401
from ..ops.nn import softmax, log_softmax  # noqa: F401
