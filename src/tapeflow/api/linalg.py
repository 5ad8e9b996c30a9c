"""``tf.linalg``."""
from ..ops.linalg import *  # noqa: F401,F403
