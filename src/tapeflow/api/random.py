"""``tf.random``."""
from ..ops.random import (Generator, categorical, get_global_generator, get_seed, normal,  # noqa: F401
                          set_global_generator, set_seed, shuffle, truncated_normal, uniform)
