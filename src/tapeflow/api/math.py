"""``tf.math``."""
from ..ops.math import *  # noqa: F401,F403
from ..ops.reduce import *  # noqa: F401,F403
from ..ops.array import (confusion_matrix, cumprod, cumsum, in_top_k, segment_sum,  # noqa: F401
                         top_k, unsorted_segment_sum)
from ..ops.linalg import l2_normalize  # noqa: F401
from ..ops.nn import softmax, log_softmax  # noqa: F401
