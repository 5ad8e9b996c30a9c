"""Merge layers combine their inputs' masks as Keras 3 does (keras/src/layers/merging)."""
import numpy as np
import pytest

import tapeflow as tf

L = tf.keras.layers

IDS1 = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
IDS2 = np.array([[1, 2, 3, 0], [0, 0, 0, 0]])
M1 = IDS1 != 0
M2 = IDS2 != 0


def _mask(t):
    m = getattr(t, "_keras_mask", None)
    return None if m is None else m.numpy()


def _two_branch_model(merge):
    i1 = L.Input((4,), dtype="int32")
    i2 = L.Input((4,), dtype="int32")
    h1 = L.Embedding(5, 3, mask_zero=True)(i1)
    h2 = L.Embedding(5, 3, mask_zero=True)(i2)
    out = L.LSTM(2)(merge([h1, h2]))
    return tf.keras.Model([i1, i2], out)


@pytest.mark.parametrize("merge", [L.Add(), L.Concatenate()], ids=["add", "concatenate"])
def test_lstm_after_merge_uses_combined_mask(merge):
    tf.random.set_seed(0)
    model = _two_branch_model(merge)
    got = model([IDS1, IDS2]).numpy()
    emb1, emb2, lstm = model.layers[2], model.layers[3], model.layers[-1]
    e1, e2 = emb1(IDS1), emb2(IDS2)
    x = e1 + e2 if isinstance(merge, L.Add) else tf.concat([e1, e2], axis=-1)
    x = tf.constant(x.numpy())  # no mask attached
    combined = tf.constant(M1 | M2)
    np.testing.assert_allclose(got, lstm(x, mask=combined).numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(got, lstm(x).numpy())


@pytest.mark.parametrize("cls", [L.Add, L.Subtract, L.Multiply, L.Average, L.Maximum,
                                 L.Minimum])
def test_elementwise_compute_mask_is_or(cls):
    layer = cls()
    x = [tf.zeros((2, 4, 3)), tf.zeros((2, 4, 3))]
    out = layer.compute_mask(x, [tf.constant(M1), tf.constant(M2)])
    np.testing.assert_array_equal(out.numpy(), M1 | M2)
    # Keras 3: one unmasked input -> no output mask.
    assert layer.compute_mask(x, [tf.constant(M1), None]) is None
    assert layer.compute_mask(x, None) is None
    with pytest.raises(ValueError):
        layer.compute_mask(x, tf.constant(M1))
    with pytest.raises(ValueError):
        layer.compute_mask(x, [tf.constant(M1)])


@pytest.mark.parametrize("cls", [L.Add, L.Subtract, L.Multiply, L.Average, L.Maximum,
                                 L.Minimum])
def test_elementwise_output_mask_attached(cls):
    emb = L.Embedding(5, 3, mask_zero=True)
    a, b = emb(IDS1), emb(IDS2)
    np.testing.assert_array_equal(_mask(cls()([a, b])), M1 | M2)
    assert _mask(cls()([a, tf.ones((2, 4, 3))])) is None


def test_concatenate_compute_mask():
    x = [tf.zeros((2, 4, 3)), tf.zeros((2, 4, 3))]
    m1, m2 = tf.constant(M1), tf.constant(M2)
    # Last axis: masks broadcast over features, concatenated, any() over the last axis.
    np.testing.assert_array_equal(L.Concatenate().compute_mask(x, [m1, m2]).numpy(), M1 | M2)
    # An unmasked input counts as all-True.
    np.testing.assert_array_equal(L.Concatenate().compute_mask(x, [m1, None]).numpy(),
                                  np.ones((2, 4), bool))
    # Time axis: the masks are joined in time.
    np.testing.assert_array_equal(L.Concatenate(axis=1).compute_mask(x, [m1, m2]).numpy(),
                                  np.concatenate([M1, M2], axis=1))
    y = [tf.zeros((2, 4, 3)), tf.zeros((2, 2, 3))]
    np.testing.assert_array_equal(L.Concatenate(axis=1).compute_mask(y, [m1, None]).numpy(),
                                  np.concatenate([M1, np.ones((2, 2), bool)], axis=1))
    assert L.Concatenate().compute_mask(x, [None, None]) is None
    assert L.Concatenate().compute_mask(x, None) is None
    # A mask of the input's full rank is used as it is.
    full = np.zeros((2, 4, 3), bool)
    full[:, :, 0] = True
    np.testing.assert_array_equal(
        L.Concatenate().compute_mask(x, [tf.constant(full), tf.constant(full)]).numpy(),
        np.ones((2, 4), bool))


def test_concatenate_output_mask_attached():
    emb = L.Embedding(5, 3, mask_zero=True)
    a, b = emb(IDS1), emb(IDS2)
    y = L.Concatenate(axis=1)([a, b])
    assert y.shape == (2, 8, 3)
    np.testing.assert_array_equal(_mask(y), np.concatenate([M1, M2], axis=1))


def test_dot_has_no_mask():
    emb = L.Embedding(5, 3, mask_zero=True)
    a, b = emb(IDS1), emb(IDS2)
    assert _mask(L.Dot(axes=2)([a, b])) is None
    assert L.Dot(axes=2).compute_mask([a, b], [tf.constant(M1), tf.constant(M2)]) is None


def _masked_pair():
    a = tf.constant([[[1.0, -2.0], [3.0, 4.0]]])
    b = tf.constant([[[5.0, -6.0], [-7.0, 8.0]]])
    a._keras_mask = tf.constant([[True, False]])
    b._keras_mask = tf.constant([[False, False]])
    return a, b


def test_multiply_masked_values():
    a, b = _masked_pair()
    y = L.Multiply()([a, b])
    # Masked entries count as 1; outside the union of the masks the output is 0.
    np.testing.assert_array_equal(y.numpy(), [[[1.0, -2.0], [0.0, 0.0]]])
    np.testing.assert_array_equal(_mask(y), [[True, False]])
    # With an unmasked input: masked entries of the other count as 1, no output zeroing.
    y = L.Multiply()([a, tf.constant([[[2.0, 2.0], [2.0, 2.0]]])])
    np.testing.assert_array_equal(y.numpy(), [[[2.0, -4.0], [2.0, 2.0]]])
    assert _mask(y) is None


def test_maximum_minimum_masked_values():
    a, b = _masked_pair()
    # Step 0 only a is valid: its values win, even where b's are larger / smaller.
    np.testing.assert_array_equal(L.Maximum()([a, b]).numpy()[0, 0], [1.0, -2.0])
    np.testing.assert_array_equal(L.Minimum()([a, b]).numpy()[0, 0], [1.0, -2.0])
    np.testing.assert_array_equal(_mask(L.Maximum()([a, b])), [[True, False]])


def test_explicit_mask_argument():
    x = [tf.ones((2, 4, 3)), tf.ones((2, 4, 3))]
    y = L.Add()(x, mask=[tf.constant(M1), tf.constant(M2)])
    np.testing.assert_array_equal(_mask(y), M1 | M2)


@pytest.mark.parametrize("layer", [L.Add(), L.Subtract(), L.Multiply(), L.Average(),
                                   L.Maximum(), L.Minimum(), L.Concatenate()])
def test_unmasked_inputs_unchanged(layer):
    a = tf.constant(np.arange(6.0, dtype="float32").reshape(2, 3))
    b = tf.constant(np.arange(6.0, 12.0, dtype="float32").reshape(2, 3))
    y = layer([a, b])
    ref = {L.Add: a.numpy() + b.numpy(), L.Subtract: a.numpy() - b.numpy(),
           L.Multiply: a.numpy() * b.numpy(), L.Average: (a.numpy() + b.numpy()) / 2,
           L.Maximum: np.maximum(a.numpy(), b.numpy()),
           L.Minimum: np.minimum(a.numpy(), b.numpy()),
           L.Concatenate: np.concatenate([a.numpy(), b.numpy()], -1)}[type(layer)]
    np.testing.assert_allclose(y.numpy(), ref)
    assert _mask(y) is None


def test_unmasked_functional_model_gradients():
    i1, i2 = L.Input((3,)), L.Input((3,))
    out = L.Dense(1)(L.Multiply()([L.Dense(3)(i1), L.Dense(3)(i2)]))
    model = tf.keras.Model([i1, i2], out)
    x = np.ones((2, 3), "float32")
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model([x, x]))
    grads = tape.gradient(loss, model.trainable_variables)
    assert all(g is not None for g in grads)
