"""Rescaling and Normalization (reviewer R1), checked against NumPy."""
import numpy as np
import pytest

import tapeflow as tf

layers = tf.keras.layers


def test_rescaling_casts_and_scales():
    out = layers.Rescaling(1 / 127.5, offset=-1.0)(np.array([[0, 255]], "uint8"))
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), [[-1.0, 1.0]])
    assert layers.Rescaling(2.0).get_config()["scale"] == 2.0


def test_normalization_adapt_matches_numpy_for_arrays_and_batched_datasets():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(50, 4))
    from_array, from_dataset = layers.Normalization(), layers.Normalization()
    from_array.adapt(x)
    from_dataset.adapt(tf.data.Dataset.from_tensor_slices(x).batch(7))
    for layer in (from_array, from_dataset):
        np.testing.assert_allclose(layer.adapt_mean.numpy(), x.mean(0), rtol=1e-6)
        np.testing.assert_allclose(layer.adapt_variance.numpy(), x.var(0), rtol=1e-5)
    out = from_array(x)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), (x - x.mean(0)) / x.std(0), atol=1e-5)
    assert [w.name for w in from_array.weights] == ["mean", "variance", "count"]
    assert from_array.trainable_weights == []


def test_normalization_axis_none_fixed_stats_and_invert():
    h = np.array([1.0, 2.0, 3.0, 6.0])
    scalar = layers.Normalization(axis=None)
    scalar.adapt(h)
    np.testing.assert_allclose(scalar(h[:, None]).numpy()[:, 0], (h - h.mean()) / h.std(),
                               rtol=1e-6)
    fixed = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0])
    np.testing.assert_allclose(fixed(np.array([[3.0, 5.0]])).numpy(), [[1.0, 1.0]])
    inverse = layers.Normalization(mean=3.0, variance=4.0, invert=True)
    np.testing.assert_allclose(inverse(np.array([[1.0], [0.0]])).numpy(), [[5.0], [3.0]])
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=1.0)


def test_adapted_normalization_in_a_sequential_model_stays_fixed_in_fit():
    rng = np.random.default_rng(1)
    x = rng.normal(5.0, 3.0, size=(32, 3)).astype("float32")
    norm = layers.Normalization()
    norm.adapt(x)
    model = tf.keras.Sequential([tf.keras.Input((3,)), norm, layers.Dense(1)])
    assert model.count_params() == 7 + 4  # mean 3 + variance 3 + count 1; dense 4
    model.compile("sgd", "mse")
    model.fit(x, x[:, :1], epochs=1, verbose=0)
    np.testing.assert_allclose(norm.adapt_mean.numpy(), x.mean(0), rtol=1e-5)


def test_normalization_exposes_mean_and_variance_like_keras():
    # TF's regression tutorial prints normalizer.mean.numpy() after adapt: shape (1, features)
    data = np.random.default_rng(5).normal(3, 2, size=(200, 3))
    normalizer = tf.keras.layers.Normalization(axis=-1)
    with pytest.raises(AttributeError, match="adapt"):
        normalizer.mean
    normalizer.adapt(data)
    assert normalizer.mean.shape == (1, 3) and normalizer.variance.shape == (1, 3)
    np.testing.assert_allclose(normalizer.mean.numpy()[0], data.mean(0), rtol=1e-6)
    np.testing.assert_allclose(normalizer.variance.numpy()[0], data.var(0), rtol=1e-6)
    fixed = tf.keras.layers.Normalization(mean=[1.0, 2.0], variance=[1.0, 4.0])
    fixed(np.ones((2, 2)))
    assert fixed.mean.numpy().tolist() == [[1.0, 2.0]]
    assert fixed.variance.numpy().tolist() == [[1.0, 4.0]]
