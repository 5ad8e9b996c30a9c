"""``tf.nn``."""
from ..ops.nn import *  # noqa: F401,F403
from ..ops.math import sigmoid, tanh, softplus, softsign  # noqa: F401
from ..ops.array import in_top_k, top_k  # noqa: F401
from ..ops.conv import (conv1d, conv2d, conv2d_transpose, depthwise_conv2d,  # noqa: F401
                        separable_conv2d)
from ..ops.pooling import avg_pool, avg_pool1d, avg_pool2d, max_pool, max_pool1d, max_pool2d  # noqa: F401,E501
from ..ops.normalization import batch_normalization, fused_batch_norm, moments  # noqa: F401
from ..ops.conv3d import *  # noqa: F401,F403
