"""ReLU, LeakyReLU, PReLU, ELU and Softmax layers."""
import warnings

import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad, rand

L = tf.keras.layers


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# -- forward values against NumPy ----------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{}, {"max_value": 6.0}, {"negative_slope": 0.1},
                                    {"threshold": 0.5}, {"max_value": 1.5, "negative_slope": 0.2,
                                                         "threshold": 0.3}])
def test_relu_matches_keras_formula(kwargs):
    x = rand(4, 5, low=-3, high=8).astype(np.float32)
    slope, cap = kwargs.get("negative_slope", 0.0), kwargs.get("max_value", np.inf)
    threshold = kwargs.get("threshold", 0.0)
    expected = np.where(x > threshold, np.minimum(x, cap), slope * (x - threshold))
    y = L.ReLU(**kwargs)(x)
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6, atol=1e-6)


def test_leaky_relu_default_slope_is_keras3s():
    x = np.array([[-10.0, -1.0, 0.0, 2.0]], np.float32)
    np.testing.assert_allclose(L.LeakyReLU()(x).numpy(), [[-3.0, -0.3, 0.0, 2.0]], rtol=1e-6)
    np.testing.assert_allclose(L.LeakyReLU(0.5)(x).numpy(), [[-5.0, -0.5, 0.0, 2.0]])


def test_leaky_relu_accepts_deprecated_alpha():
    with pytest.warns(UserWarning, match="`alpha` is deprecated"):
        layer = L.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1 and "alpha" not in layer.get_config()
    np.testing.assert_allclose(layer(np.array([-2.0], np.float32)).numpy(), [-0.2], rtol=1e-6)


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_elu_matches_formula(alpha):
    x = rand(3, 4, low=-5, high=5)
    expected = np.where(x > 0, x, alpha * np.expm1(x))
    np.testing.assert_allclose(L.ELU(alpha, dtype="float64")(x).numpy(), expected, rtol=1e-12)


def test_prelu_matches_formula_and_starts_as_relu():
    x = rand(2, 3, 4).astype(np.float32)
    layer = L.PReLU()
    np.testing.assert_allclose(layer(x).numpy(), np.maximum(x, 0))          # alpha = 0
    alpha = np.random.default_rng(0).uniform(0, 1, (3, 4)).astype(np.float32)
    layer.alpha.assign(alpha)
    np.testing.assert_allclose(layer(x).numpy(), np.where(x >= 0, x, alpha * x), rtol=1e-6)


@pytest.mark.parametrize("shared_axes, shape", [(None, (5, 6, 3)), ([1, 2], (1, 1, 3)),
                                                (1, (1, 6, 3)), ((-1,), (5, 6, 1))])
def test_prelu_alpha_shape_with_shared_axes(shared_axes, shape):
    layer = L.PReLU(shared_axes=shared_axes)
    y = layer(np.ones((2, 5, 6, 3), np.float32))
    assert [w.name for w in layer.weights] == ["alpha"]
    assert tuple(layer.alpha.shape) == shape and y.shape == (2, 5, 6, 3)
    # the non-shared axes are fixed by the input spec
    if shared_axes == [1, 2]:
        layer(np.ones((1, 7, 2, 3), np.float32))
        with pytest.raises(ValueError):
            layer(np.ones((1, 5, 6, 4), np.float32))


def test_prelu_rejects_bad_shared_axes_and_unknown_dims():
    with pytest.raises(ValueError, match="shared_axes"):
        L.PReLU(shared_axes=[0])(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="must be known"):
        L.PReLU().build((None, None, 3))
    L.PReLU(shared_axes=1).build((None, None, 3))                   # shared: fine


def test_prelu_regularizer_and_constraint():
    layer = L.PReLU(alpha_initializer="ones", alpha_regularizer=tf.keras.regularizers.L2(0.5),
                    alpha_constraint="non_neg")
    layer(np.ones((1, 4), np.float32))
    np.testing.assert_allclose([float(v) for v in layer.losses], [2.0])    # 0.5 · Σ 1²
    assert layer.alpha.constraint is not None


def test_prelu_trains_in_fit():
    tf.keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    y = np.where(x >= 0, x, 0.25 * x)                 # a leaky relu with slope 0.25
    model = tf.keras.Sequential([L.Input((3,)), L.PReLU()])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.5), loss="mse")
    history = model.fit(x, y, epochs=40, batch_size=64, verbose=0)
    assert history.history["loss"][-1] < 1e-3 < history.history["loss"][0]
    np.testing.assert_allclose(model.layers[0].alpha.numpy(), 0.25, atol=0.02)


def test_softmax_values_and_axes():
    x = rand(2, 3, 4).astype(np.float32)
    np.testing.assert_allclose(L.Softmax()(x).numpy(), _softmax(x), rtol=1e-5)
    np.testing.assert_allclose(L.Softmax(axis=1)(x).numpy(), _softmax(x, 1), rtol=1e-5)
    np.testing.assert_allclose(L.Softmax(axis=[1])(x).numpy(), _softmax(x, 1), rtol=1e-5)
    e = np.exp(x - x.max(axis=(1, 2), keepdims=True))
    expected = e / e.sum(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(L.Softmax(axis=(1, 2))(x).numpy(), expected, rtol=1e-5)


def test_softmax_with_mask_gives_masked_positions_zero():
    x = np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0]], np.float32)
    mask = np.array([[True, False, True, False], [False, False, False, False]])
    y = L.Softmax()(x, mask=mask).numpy()
    kept = _softmax(np.array([1.0, 3.0]))
    np.testing.assert_allclose(y[0], [kept[0], 0.0, kept[1], 0.0], rtol=1e-6)
    np.testing.assert_array_equal(y[1], 0.0)         # a fully masked row is all zeros
    # float and int masks: kept where > 0.5 (floats) or > 0 (ints); broadcast masks
    np.testing.assert_allclose(L.Softmax()(x, mask=mask.astype(np.float32)).numpy(), y)
    np.testing.assert_allclose(L.Softmax()(x, mask=mask.astype(np.int32)).numpy(), y)
    col = np.array([[True, False, True, False]])
    np.testing.assert_allclose(L.Softmax()(x, mask=col).numpy()[0], y[0])
    with pytest.raises(ValueError, match="mask must broadcast"):
        L.Softmax()(x, mask=np.ones((2, 3), bool))


def test_softmax_takes_the_mask_of_its_input():
    x = tf.constant(rand(1, 3, 3).astype(np.float32))
    x._keras_mask = tf.constant([[[True, True, False]] * 3])
    y = L.Softmax()(x)
    np.testing.assert_array_equal(y.numpy()[..., 2], 0.0)
    np.testing.assert_allclose(y.numpy().sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(y._keras_mask.numpy(), x._keras_mask.numpy())


@pytest.mark.parametrize("layer", [L.ReLU(), L.LeakyReLU(), L.PReLU(), L.ELU(), L.Softmax()])
def test_masks_pass_through(layer):
    x = tf.constant(np.ones((2, 3), np.float32))
    x._keras_mask = tf.constant([[True, True, False], [True, False, False]])
    np.testing.assert_array_equal(layer(x)._keras_mask.numpy(), x._keras_mask.numpy())
    assert layer.supports_masking and layer.compute_output_shape((None, 3)) == (None, 3)


# -- gradients -----------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: L.ReLU(dtype="float64"),
                                  lambda: L.ReLU(4.0, 0.2, 0.5, dtype="float64"),
                                  lambda: L.LeakyReLU(dtype="float64"),
                                  lambda: L.ELU(dtype="float64"),
                                  lambda: L.ELU(0.7, dtype="float64"),
                                  lambda: L.Softmax(dtype="float64"),
                                  lambda: L.Softmax(axis=[1, 2], dtype="float64")])
def test_gradients_by_finite_differences(make):
    layer = make()
    # kinks at 0, the threshold 0.5 and the cap 4.0 are avoided
    check_grad(layer, rand(2, 3, 4, low=-6, high=6, away_from=(0.0, 0.5, 4.0)))


def test_softmax_gradient_with_mask():
    mask = np.array([[True, False, True, True], [False, True, True, False]])
    check_grad(lambda x: L.Softmax(dtype="float64")(x, mask=mask), rand(2, 4))


def test_prelu_gradients_wrt_input_and_alpha():
    layer = L.PReLU(shared_axes=[1], dtype="float64")
    layer.build((2, 3, 4))

    def fn(x, alpha):
        # Swap the variable for the checked tensor (bypassing attribute tracking).
        variable = layer.alpha
        object.__setattr__(layer, "alpha", alpha)
        try:
            return layer(x)
        finally:
            object.__setattr__(layer, "alpha", variable)

    check_grad(fn, rand(2, 3, 4, away_from=(0.0,)), rand(1, 4))


# -- dtypes, config, errors ----------------------------------------------------------------
@pytest.mark.parametrize("layer", [L.ReLU(1.0), L.LeakyReLU(), L.PReLU(), L.ELU(0.5),
                                   L.Softmax()])
def test_float64_layers_keep_float64_and_float32_stays_float32(layer):
    assert layer(np.ones((2, 3), np.float64)).dtype == tf.float32     # autocast to float32
    assert type(layer)(dtype="float64")(np.ones((2, 3))).dtype == tf.float64


@pytest.mark.parametrize("layer", [
    L.ReLU(max_value=3.0, negative_slope=0.1, threshold=0.2),
    L.LeakyReLU(negative_slope=0.05),
    L.PReLU(alpha_initializer="ones", alpha_regularizer="l2", alpha_constraint="non_neg",
            shared_axes=[1, 2]),
    L.ELU(alpha=0.3),
    L.Softmax(axis=(1, 2)),
])
def test_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    x = rand(2, 3, 4, 5).astype(np.float32)
    np.testing.assert_allclose(clone(x).numpy(), layer(x).numpy(), rtol=1e-6)


def test_config_values():
    assert L.ReLU(max_value=6.0).get_config()["max_value"] == 6.0
    assert L.LeakyReLU().get_config()["negative_slope"] == 0.3
    config = L.PReLU(shared_axes=2).get_config()
    assert config["shared_axes"] == [2] and config["alpha_initializer"]["class_name"] == "Zeros"
    assert L.ELU(0.2).get_config()["alpha"] == 0.2


@pytest.mark.parametrize("make, message", [
    (lambda: L.ReLU(max_value=-1.0), "max_value"),
    (lambda: L.ReLU(negative_slope=-0.1), "negative_slope"),
    (lambda: L.ReLU(negative_slope=None), "negative_slope"),
    (lambda: L.ReLU(threshold=-1.0), "threshold"),
    (lambda: L.LeakyReLU(negative_slope=-0.3), "negative_slope"),
    (lambda: L.LeakyReLU(negative_slope=None), "negative_slope"),
])
def test_bad_arguments_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_functional_and_sequential_use():
    inputs = tf.keras.Input((3,))
    outputs = L.Softmax()(L.PReLU()(L.Dense(4)(inputs)))
    model = tf.keras.Model(inputs, outputs)
    assert model.output_shape == (None, 4)
    seq = tf.keras.Sequential([L.Input((3,)), L.Dense(4), L.LeakyReLU(), L.ReLU(6.0), L.ELU()])
    clone = tf.keras.Sequential.from_config(seq.get_config())
    assert [type(layer).__name__ for layer in clone.layers] == \
        ["Dense", "LeakyReLU", "ReLU", "ELU"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L.LeakyReLU(0.2)                               # no warning without `alpha`
