"""``tf.linalg``."""
from ..ops.linalg import *  # noqa: F401,F403
from ..ops.linalg import diag_part as tensor_diag_part  # noqa: F401
from ..ops.creation import eye  # noqa: F401
from ..ops.nn import l2_normalize  # noqa: F401
