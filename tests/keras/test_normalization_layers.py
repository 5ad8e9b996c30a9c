"""BatchNormalization, LayerNormalization, GroupNormalization against NumPy formulas."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad

L = tf.keras.layers
rng = np.random.default_rng(3)


def test_batch_norm_weights_order_and_defaults():
    bn = L.BatchNormalization()
    bn(np.ones((2, 3), np.float32))
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    assert bn.momentum == 0.99 and bn.epsilon == 1e-3


def test_batch_norm_training_output_and_moving_statistics_after_steps():
    bn = L.BatchNormalization(momentum=0.9, gamma_initializer="random_normal",
                              beta_initializer="random_normal")
    moving_mean, moving_var = np.zeros(4), np.ones(4)
    for step in range(3):
        x = (rng.standard_normal((8, 3, 4)) * (step + 1) + step).astype(np.float32)
        y = bn(x, training=True).numpy()
        mean, var = x.mean((0, 1)), x.var((0, 1))          # biased, as Keras 3
        gamma, beta = bn.gamma.numpy(), bn.beta.numpy()
        np.testing.assert_allclose(y, gamma * (x - mean) / np.sqrt(var + 1e-3) + beta,
                                   rtol=1e-4, atol=1e-5)
        moving_mean = moving_mean * 0.9 + mean * 0.1
        moving_var = moving_var * 0.9 + var * 0.1
    np.testing.assert_allclose(bn.moving_mean.numpy(), moving_mean, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), moving_var, rtol=1e-5)
    # Inference (no training flag) uses the moving statistics and leaves them alone.
    x = rng.standard_normal((5, 3, 4)).astype(np.float32)
    y = bn(x).numpy()
    expect = bn.gamma.numpy() * (x - moving_mean) / np.sqrt(moving_var + 1e-3) + bn.beta.numpy()
    np.testing.assert_allclose(y, expect, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), moving_mean, rtol=1e-5)


def test_frozen_batch_norm_runs_in_inference_mode():
    bn = L.BatchNormalization()
    x = (rng.standard_normal((6, 2)) * 3 + 5).astype(np.float32)
    bn.trainable = False
    y = bn(x, training=True).numpy()
    np.testing.assert_allclose(y, x / np.sqrt(1.0 + 1e-3), rtol=1e-5)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), [0.0, 0.0])
    assert bn.trainable_weights == []


def test_batch_norm_channels_first_axis():
    bn = L.BatchNormalization(axis=1, center=False, scale=False)
    x = rng.standard_normal((4, 3, 2, 2)).astype(np.float32)
    y = bn(x, training=True).numpy()
    mean, var = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    assert bn.weights[0].shape == (3,)


def test_batch_norm_training_gradient():
    bn = L.BatchNormalization(dtype="float64", gamma_initializer="random_normal")
    x = rng.standard_normal((5, 3))
    bn(x)
    check_grad(lambda inputs: bn(inputs, training=True), x)


def test_batch_norm_in_a_model_trains_the_affine_weights():
    bn = L.BatchNormalization()
    x = tf.constant(rng.standard_normal((8, 3)).astype(np.float32))
    bn(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(bn(x, training=True) * tf.constant([1.0, 2.0, 3.0]))
    dgamma, dbeta = tape.gradient(loss, bn.trainable_weights)
    np.testing.assert_allclose(dbeta.numpy(), [8.0, 16.0, 24.0])
    assert dgamma is not None


def test_layer_normalization():
    x = rng.standard_normal((2, 3, 5)).astype(np.float32)
    layer = L.LayerNormalization(gamma_initializer="random_normal", beta_initializer="ones")
    y = layer(x).numpy()
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(y, layer.gamma.numpy() * (x - mean) / np.sqrt(var + 1e-3) + 1.0,
                               rtol=1e-4, atol=1e-5)
    y2 = L.LayerNormalization(axis=[1, 2], epsilon=0.0)(x).numpy()
    mean, var = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(y2, (x - mean) / np.sqrt(var), rtol=1e-4, atol=1e-5)
    rms = L.LayerNormalization(rms_scaling=True, epsilon=0.0)(x).numpy()
    np.testing.assert_allclose(rms, x / np.sqrt((x * x).mean(-1, keepdims=True)), rtol=1e-5)


def test_layer_normalization_gradient():
    layer = L.LayerNormalization(dtype="float64", beta_initializer="random_normal")
    x = rng.standard_normal((3, 4))
    layer(x)
    check_grad(layer, x)


def test_group_normalization():
    x = rng.standard_normal((2, 3, 3, 6)).astype(np.float32)
    layer = L.GroupNormalization(groups=3, gamma_initializer="random_normal")
    y = layer(x).numpy()
    g = x.reshape(2, 3, 3, 3, 2)
    mean, var = g.mean((1, 2, 4), keepdims=True), g.var((1, 2, 4), keepdims=True)
    ref = ((g - mean) / np.sqrt(var + 1e-3)).reshape(x.shape) * layer.gamma.numpy()
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r"groups.*divisor.*\(2, 3, 3, 6\)"):
        L.GroupNormalization(groups=4)(x)


def test_normalization_errors_and_config():
    bn = L.BatchNormalization(axis=3)
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        bn(np.ones((2, 3), np.float32))
    bn = L.BatchNormalization(momentum=0.8, epsilon=1e-5)
    clone = L.BatchNormalization.from_config(bn.get_config())
    assert clone.momentum == 0.8 and clone.epsilon == 1e-5


def test_batch_norm_training_with_a_mask_uses_only_unmasked_steps():
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    mask = np.array([[True, True, False, False], [True, True, True, False]])
    bn = L.BatchNormalization(momentum=0.0)
    y = bn(x, training=True, mask=tf.constant(mask)).numpy()
    real = x[mask]
    mean, var = real.mean(0), real.var(0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), var, rtol=1e-5)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
