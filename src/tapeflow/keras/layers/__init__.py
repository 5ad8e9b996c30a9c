"""``tf.keras.layers``: the Layer base class and the built-in layers."""
from .core import Activation, Dense, Dropout, Flatten, Identity, Lambda, Reshape  # noqa: F401
from .input_layer import Input, InputLayer  # noqa: F401
from .keras_tensor import KerasTensor  # noqa: F401
from .input_spec import InputSpec  # noqa: F401
from .layer import Layer  # noqa: F401
from .convolutional import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .reshaping import *  # noqa: F401,F403
from .recurrent import *  # noqa: F401,F403
from .embedding import Embedding  # noqa: F401
from .normalization import *  # noqa: F401,F403
from .regularization import *  # noqa: F401,F403
from .masking import Masking  # noqa: F401
from .merging import *  # noqa: F401,F403
from .preprocessing import Normalization, Rescaling  # noqa: F401
from .wrappers import Bidirectional, TimeDistributed  # noqa: F401
from .activations_layers import *  # noqa: F401,F403
from .noise import *  # noqa: F401,F403
from .image_preprocessing import *  # noqa: F401,F403
from .volumetric import *  # noqa: F401,F403
from .einsum_dense import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .index_lookup import *  # noqa: F401,F403
from .text_vectorization import *  # noqa: F401,F403
from .categorical_encoding import *  # noqa: F401,F403
from .conv_recurrent import *  # noqa: F401,F403
