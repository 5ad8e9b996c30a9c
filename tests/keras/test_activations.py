"""Activations by object and by name, against NumPy formulas; subgradients at kinks."""
import math

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras import activations as A

X = np.array([-7.0, -3.0, -0.5, 0.0, 0.5, 3.0, 7.0], np.float32)
_erf = np.vectorize(math.erf)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def elu(x, a=1.0):
    return np.where(x > 0, x, a * (np.exp(x) - 1))


REFERENCES = {
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "softmax": lambda x: np.exp(x) / np.exp(x).sum(),
    "log_softmax": lambda x: x - np.log(np.exp(x).sum()),
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "elu": elu,
    "selu": lambda x: 1.0507009873554805 * elu(x, 1.6732632423543772),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "swish": lambda x: x * sigmoid(x),
    "silu": lambda x: x * sigmoid(x),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "hard_sigmoid": lambda x: np.clip(x + 3, 0, 6) / 6,
    "hard_silu": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
    "log_sigmoid": lambda x: np.log(sigmoid(x)),
    "exponential": np.exp,
    "linear": lambda x: x,
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_by_name_and_object(name):
    fn = A.get(name)
    assert fn is getattr(A, name)
    out = fn(tf.constant(X))
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), REFERENCES[name](X.astype(np.float64)),
                               rtol=1e-5, atol=1e-6)


def test_relu_options():
    x = tf.constant(X)
    np.testing.assert_allclose(A.relu(x, max_value=2.0).numpy(), np.clip(X, 0, 2))
    np.testing.assert_allclose(A.relu(x, threshold=1.0).numpy(), np.where(X > 1, X, 0))
    np.testing.assert_allclose(A.relu(x, negative_slope=0.1).numpy(), np.where(X > 0, X, 0.1 * X),
                               rtol=1e-6)
    np.testing.assert_allclose(A.relu(x, negative_slope=0.1, max_value=5.0).numpy(),
                               np.where(X > 0, np.minimum(X, 5), 0.1 * X), rtol=1e-6)
    inner = np.sqrt(2 / np.pi) * (X + 0.044715 * X ** 3)
    np.testing.assert_allclose(A.gelu(x, approximate=True).numpy(),
                               0.5 * X * (1 + np.tanh(inner)), rtol=1e-5, atol=1e-6)


def _grad(fn, values):
    x = tf.Variable(np.array(values, np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(fn(x))
    return tape.gradient(y, x).numpy()


def test_subgradients_at_kinks_follow_tf():
    np.testing.assert_array_equal(_grad(A.relu, [0.0, 1.0]), [0.0, 1.0])
    np.testing.assert_array_equal(_grad(A.relu6, [0.0, 3.0, 6.0, 7.0]), [0.0, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(_grad(A.leaky_relu, [0.0, -1.0, 1.0]), [0.2, 0.2, 1.0])
    np.testing.assert_allclose(_grad(A.elu, [-1.0, 1.0]), [np.exp(-1.0), 1.0], rtol=1e-6)


def test_elu_gradient_is_finite_for_large_inputs():
    g = _grad(A.elu, [100.0, -100.0])
    assert np.all(np.isfinite(g))


def test_softmax_axis():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = A.softmax(tf.constant(x), axis=0).numpy()
    np.testing.assert_allclose(out.sum(0), [1, 1, 1], rtol=1e-6)


def test_get_none_callable_unknown_and_serialize():
    assert A.get(None) is A.linear
    custom = lambda x: x * 2.0  # noqa: E731
    assert A.get(custom) is custom
    with pytest.raises(ValueError, match=r"'rellu'.*relu"):
        A.get("rellu")
    with pytest.raises(ValueError, match="Could not interpret"):
        A.get(3)
    assert A.serialize(A.relu) == "relu"
    assert A.deserialize("gelu") is A.gelu
    assert tf.keras.activations.swish is tf.keras.activations.silu


SMOOTH = ["gelu", "selu", "softplus", "softsign", "swish", "mish", "log_sigmoid", "sigmoid",
          "tanh", "softmax", "log_softmax", "exponential", "elu", "leaky_relu", "relu",
          "relu6", "hard_sigmoid", "hard_silu"]


@pytest.mark.parametrize("name", SMOOTH)
def test_gradients_match_finite_differences(name):
    from gradcheck import check_grad, rand
    x = rand(2, 5, low=-4.0, high=4.0, away_from=(0.0, -3.0, 3.0), margin=0.05, seed=5)
    check_grad(A.get(name), x)


def test_gelu_approximate_gradient():
    from gradcheck import check_grad, rand
    check_grad(lambda x: A.gelu(x, approximate=True), rand(3, 4, seed=2))
