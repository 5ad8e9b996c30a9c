"""GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization, UnitNormalization."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad, rand

L = tf.keras.layers

ALPHA_P = -1.6732632423543772 * 1.0507009873554805


def _noise_layers(**kw):
    return [L.GaussianNoise(0.3, **kw), L.GaussianDropout(0.3, **kw), L.AlphaDropout(0.3, **kw)]


# -- inference: the identity ---------------------------------------------------------------
@pytest.mark.parametrize("layer", _noise_layers() + [L.ActivityRegularization(0.1, 0.1)])
def test_identity_when_not_training(layer):
    x = rand(4, 5).astype(np.float32)
    for kwargs in ({}, {"training": False}, {"training": None}):
        np.testing.assert_array_equal(layer(x, **kwargs).numpy(), x)


@pytest.mark.parametrize("layer", [L.GaussianNoise(0.0), L.GaussianDropout(0.0),
                                   L.AlphaDropout(0.0)])
def test_zero_noise_is_the_identity_in_training(layer):
    x = rand(3, 4).astype(np.float32)
    np.testing.assert_array_equal(layer(x, training=True).numpy(), x)


# -- training statistics -------------------------------------------------------------------
def test_gaussian_noise_statistics():
    x = np.full((400, 500), 2.0, np.float32)
    y = L.GaussianNoise(0.5, seed=1)(x, training=True)
    assert y.dtype == tf.float32
    noise = y.numpy() - x
    assert abs(noise.mean()) < 0.005 and abs(noise.std() - 0.5) < 0.005


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_gaussian_dropout_statistics(rate):
    x = np.full((400, 500), 3.0, np.float32)
    y = L.GaussianDropout(rate, seed=2)(x, training=True).numpy() / 3.0
    stddev = np.sqrt(rate / (1 - rate))
    assert abs(y.mean() - 1.0) < 0.01 * max(stddev, 1)
    assert abs(y.std() - stddev) < 0.01 * max(stddev, 1)


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.5])
def test_alpha_dropout_keeps_mean_and_variance(rate):
    x = np.random.default_rng(3).standard_normal((400, 500)).astype(np.float32)
    y = L.AlphaDropout(rate, seed=4)(x, training=True).numpy()
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1.0) < 0.01
    dropped = ~np.isclose(y, _alpha_affine(x, rate), atol=1e-5)
    assert abs(dropped.mean() - rate) < 0.01


def _alpha_affine(x, rate):
    a = ((1 - rate) * (1 + rate * ALPHA_P ** 2)) ** -0.5
    return a * x - a * ALPHA_P * rate


def test_alpha_dropout_exact_formula():
    x = rand(50, 40).astype(np.float32)
    rate = 0.3
    y = L.AlphaDropout(rate, seed=5)(x, training=True).numpy()
    a = ((1 - rate) * (1 + rate * ALPHA_P ** 2)) ** -0.5
    b = -a * ALPHA_P * rate
    kept = np.isclose(y, a * x + b, atol=1e-6)
    np.testing.assert_allclose(y[~kept], a * ALPHA_P + b, rtol=1e-6)   # dropped: a·alpha_p + b
    # the mask is the same draw Keras makes: keep where uniform >= rate
    keep = np.random.default_rng(5).random(x.shape) >= rate
    np.testing.assert_array_equal(kept, keep)


def test_alpha_dropout_noise_shape_shares_the_mask():
    x = np.ones((4, 6, 3), np.float32)
    y = L.AlphaDropout(0.5, noise_shape=(None, 1, 3), seed=0)(x, training=True).numpy()
    assert np.all(y.min(axis=1) == y.max(axis=1))      # constant along the shared axis
    assert len(np.unique(y)) == 2


# -- seeds ---------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda s: L.GaussianNoise(0.2, seed=s),
                                  lambda s: L.GaussianDropout(0.2, seed=s),
                                  lambda s: L.AlphaDropout(0.2, seed=s)])
def test_seeds_are_reproducible(make):
    x = rand(6, 7).astype(np.float32)
    a, b, c = make(3), make(3), make(4)
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    assert not np.array_equal(first, c(x, training=True).numpy())
    assert not np.array_equal(first, a(x, training=True).numpy())    # the stream moves on


def test_unseeded_layers_follow_set_random_seed():
    x = np.ones((5, 5), np.float32)
    outs = []
    for _ in range(2):
        tf.keras.utils.set_random_seed(7)
        outs.append([layer(x, training=True).numpy() for layer in _noise_layers()])
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


# -- gradients -----------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: L.GaussianNoise(0.3, seed=1, dtype="float64"),
                                  lambda: L.GaussianDropout(0.3, seed=1, dtype="float64"),
                                  lambda: L.AlphaDropout(0.3, seed=1, dtype="float64")])
def test_noise_gradients_in_training(make):
    # a fresh seeded layer per call draws the same noise every time
    check_grad(lambda x: make()(x, training=True), rand(3, 4))


@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_unit_normalization_gradient(axis):
    check_grad(L.UnitNormalization(axis=axis, dtype="float64"), rand(2, 3, 4))


def test_activity_regularization_gradient_of_the_loss():
    def fn(x):
        layer = L.ActivityRegularization(l1=0.3, l2=0.2, dtype="float64")
        y = layer(x)
        return [y, layer.losses[0]]
    check_grad(fn, rand(3, 4, away_from=(0.0,)))


# -- ActivityRegularization ----------------------------------------------------------------
def test_activity_regularization_losses():
    x = np.array([[1.0, -2.0], [0.5, 0.0]], np.float32)
    layer = L.ActivityRegularization(l1=0.1, l2=0.01)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    expected = 0.1 * np.abs(x).sum() + 0.01 * np.square(x).sum()
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-6)
    layer(x)
    assert len(layer.losses) == 1                      # losses are per call, not accumulated


def test_activity_regularization_in_a_model():
    inputs = tf.keras.Input((2,))
    outputs = L.ActivityRegularization(l2=0.5)(L.Dense(2, kernel_initializer="ones")(inputs))
    model = tf.keras.Model(inputs, outputs)
    x = np.array([[1.0, 2.0]], np.float32)
    model(x)
    np.testing.assert_allclose([float(v) for v in model.losses], [0.5 * 2 * 3.0 ** 2])
    model.compile(optimizer="sgd", loss="mse")
    # the outputs are [3, 3]: mse 9 against zeros, plus the penalty 0.5 · 18
    np.testing.assert_allclose(model.evaluate(x, np.zeros((1, 2)), verbose=0), 18.0, rtol=1e-6)


# -- UnitNormalization ---------------------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, 1, (1, 2), [0, 2]])
def test_unit_normalization_values(axis):
    x = rand(2, 3, 4).astype(np.float32)
    ax = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    expected = x / np.sqrt(np.sum(x * x, axis=ax, keepdims=True))
    y = L.UnitNormalization(axis=axis)(x)
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(np.sum(y.numpy() ** 2, axis=ax), 1.0, rtol=1e-5)


def test_unit_normalization_epsilon_floors_the_norm():
    x = np.array([[0.0, 0.0], [3e-13, 4e-13], [3e-7, 4e-7]], np.float64)
    y = L.UnitNormalization(dtype="float64")(x).numpy()
    # x / max(||x||, 1e-12): zeros stay zero, a norm of 5e-13 is divided by 1e-12
    np.testing.assert_allclose(y, [[0.0, 0.0], [0.3, 0.4], [0.6, 0.8]], rtol=1e-12)
    with tf.GradientTape() as tape:
        xt = tf.constant(x)
        tape.watch(xt)
        out = L.UnitNormalization(dtype="float64")(xt)
    assert np.all(np.isfinite(tape.gradient(out, xt).numpy()))     # no NaN at zero


def test_unit_normalization_dtypes():
    y = L.UnitNormalization()(np.array([[3, 4]], np.int32))
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), [[0.6, 0.8]], rtol=1e-6)
    h = L.UnitNormalization(dtype="float16")(np.array([[0.0, 0.0], [3.0, 4.0]], np.float16))
    assert h.dtype == tf.float16
    np.testing.assert_allclose(h.numpy(), [[0.0, 0.0], [0.6, 0.8]], rtol=1e-3)


def test_unit_normalization_errors():
    with pytest.raises(TypeError, match="axis"):
        L.UnitNormalization(axis="last")
    with pytest.raises(ValueError, match="out of bounds"):
        L.UnitNormalization(axis=3).compute_output_shape((None, 4))
    assert L.UnitNormalization(axis=[1, -1]).compute_output_shape((None, 3, 4)) == (None, 3, 4)


# -- dtypes, masks, config, errors ---------------------------------------------------------
@pytest.mark.parametrize("layer", _noise_layers(seed=0))
def test_noise_keeps_the_compute_dtype(layer):
    assert layer(np.ones((3, 4)), training=True).dtype == tf.float32
    layer64 = type(layer).from_config({**layer.get_config(), "dtype": "float64", "name": None})
    assert layer64(np.ones((3, 4)), training=True).dtype == tf.float64
    assert layer(np.ones((3, 4), np.int32), training=True).dtype == tf.float32


@pytest.mark.parametrize("layer", _noise_layers(seed=0) + [L.ActivityRegularization(l1=0.1),
                                                           L.UnitNormalization()])
def test_masks_pass_through(layer):
    x = tf.constant(np.ones((2, 3), np.float32))
    x._keras_mask = tf.constant([[True, True, False], [True, False, False]])
    for training in (False, True):
        out = layer(x, training=training)
        np.testing.assert_array_equal(out._keras_mask.numpy(), x._keras_mask.numpy())
    assert layer.supports_masking and layer.compute_output_shape((None, 3)) == (None, 3)


@pytest.mark.parametrize("layer, keys", [
    (L.GaussianNoise(0.2, seed=3), {"stddev": 0.2, "seed": 3}),
    (L.GaussianDropout(0.4, seed=1), {"rate": 0.4, "seed": 1}),
    (L.AlphaDropout(0.1, noise_shape=(None, 1, 4), seed=2),
     {"rate": 0.1, "noise_shape": (None, 1, 4), "seed": 2}),
    (L.ActivityRegularization(l1=0.2, l2=0.3), {"l1": 0.2, "l2": 0.3}),
    (L.UnitNormalization(axis=(1, 2)), {"axis": [1, 2]}),
])
def test_config_round_trip(layer, keys):
    config = layer.get_config()
    assert {k: config[k] for k in keys} == keys
    assert "activity_regularizer" not in config
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    x = rand(2, 3, 4).astype(np.float32)
    np.testing.assert_array_equal(clone(x, training=True).numpy(),
                                  layer(x, training=True).numpy())   # same seed, same draw


def test_sequential_from_config_and_fit():
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([L.Input((4,)), L.GaussianNoise(0.1), L.Dense(8, "selu"),
                                 L.AlphaDropout(0.1), L.GaussianDropout(0.1),
                                 L.ActivityRegularization(l2=1e-4), L.UnitNormalization(),
                                 L.Dense(1)])
    clone = tf.keras.Sequential.from_config(model.get_config())
    assert [type(layer).__name__ for layer in clone.layers] == \
        [type(layer).__name__ for layer in model.layers]
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(32, 4)).astype(np.float32)
    history = model.fit(x, x[:, :1], epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


@pytest.mark.parametrize("make, message", [
    (lambda: L.GaussianNoise(-0.1), "stddev"),
    (lambda: L.GaussianNoise(1.5), "stddev"),
    (lambda: L.GaussianDropout(-0.2), "rate"),
    (lambda: L.GaussianDropout(1.2), "rate"),
    (lambda: L.AlphaDropout(-0.5), "rate"),
    (lambda: L.AlphaDropout(2.0), "rate"),
    (lambda: L.ActivityRegularization(l1=-1.0), "l1"),
    (lambda: L.ActivityRegularization(l2=-1.0), "l2"),
])
def test_bad_arguments_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("layer", [L.GaussianDropout(1.0), L.AlphaDropout(1.0)])
def test_rate_one_is_refused_in_training(layer):
    x = np.ones((2, 2), np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    with pytest.raises(ValueError, match="rate=1"):
        layer(x, training=True)
