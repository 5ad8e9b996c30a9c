"""``tf.math``."""
from ..ops.math import *  # noqa: F401,F403
from ..ops.reduce import *  # noqa: F401,F403
from ..ops.array import cumprod, cumsum, top_k, unsorted_segment_sum  # noqa: F401
from ..ops.linalg import l2_normalize  # noqa: F401
from ..ops.nn import softmax, log_softmax  # noqa: F401
