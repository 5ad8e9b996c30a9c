"""ConvLSTM1D/2D/3D against a NumPy ConvLSTM (one step, then the unrolled sequence)."""
import itertools

import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad

L = tf.keras.layers
rng = np.random.default_rng(11)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def np_conv(x, k, strides=1, padding="valid", dilation=1):
    """N-D channels-last cross-correlation, one strided slice per kernel offset."""
    rank = k.ndim - 2
    strides = (strides,) * rank if np.isscalar(strides) else tuple(strides)
    dilation = (dilation,) * rank if np.isscalar(dilation) else tuple(dilation)
    spatial = x.shape[1:-1]
    pads, out = [], []
    for n, kk, s, d in zip(spatial, k.shape[:rank], strides, dilation):
        span = (kk - 1) * d + 1
        if padding == "same":
            o = -(-n // s)
            total = max((o - 1) * s + span - n, 0)
            pads.append((total // 2, total - total // 2))
        else:
            o = (n - span) // s + 1
            pads.append((0, 0))
        out.append(o)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    y = np.zeros((x.shape[0],) + tuple(out) + (k.shape[-1],))
    for offset in itertools.product(*[range(kk) for kk in k.shape[:rank]]):
        idx = tuple(slice(o * d, o * d + (n - 1) * s + 1, s)
                    for o, d, n, s in zip(offset, dilation, out, strides))
        y += xp[(slice(None),) + idx] @ k[offset]
    return y


def ref_step(x, h, c, k, u, b, strides=1, padding="valid", dilation=1):
    """One Keras ConvLSTM step (gates i, f, c, o; recurrent conv stride 1, 'same')."""
    f = u.shape[-2]
    z = np_conv(x, k, strides, padding, dilation) + b + np_conv(h, u, 1, "same")
    i, fg = sigmoid(z[..., :f]), sigmoid(z[..., f:2 * f])
    g, o = np.tanh(z[..., 2 * f:3 * f]), sigmoid(z[..., 3 * f:])
    c = fg * c + i * g
    return o * np.tanh(c), c


def ref_sequence(x, k, u, b, h=None, c=None, mask=None, go_backwards=False, **conv):
    """The unrolled sequence: masked steps keep the states and repeat the last output."""
    if go_backwards:
        x = x[:, ::-1]
        mask = None if mask is None else mask[:, ::-1]
    if h is None:
        shape = np_conv(x[:, 0], k, conv.get("strides", 1), conv.get("padding", "valid"),
                        conv.get("dilation", 1)).shape[:-1] + (u.shape[-2],)
        h, c = np.zeros(shape), np.zeros(shape)
    outputs, prev = [], np.zeros_like(h)
    for t in range(x.shape[1]):
        h_new, c_new = ref_step(x[:, t], h, c, k, u, b, **conv)
        keep = np.ones(len(x), bool) if mask is None else mask[:, t]
        keep = keep.reshape((-1,) + (1,) * (h.ndim - 1))
        h, c = np.where(keep, h_new, h), np.where(keep, c_new, c)
        prev = np.where(keep, h_new, prev)
        outputs.append(prev)
    return np.stack(outputs, 1), h, c


def weights(layer):
    cell = layer.cell
    return cell.kernel.numpy(), cell.recurrent_kernel.numpy(), cell.bias.numpy()


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), b, rtol=1e-4, atol=1e-5)


X2 = rng.standard_normal((2, 4, 6, 5, 3)).astype(np.float32)


def test_one_step_matches_numpy():
    layer = L.ConvLSTM2D(4, 3, padding="same", return_state=True,
                         bias_initializer="random_normal")
    out, h, c = layer(X2[:, :1])
    ref_h, ref_c = ref_step(X2[:, 0], np.zeros((2, 6, 5, 4)), np.zeros((2, 6, 5, 4)),
                            *weights(layer), padding="same")
    close(out.numpy(), ref_h)
    close(h.numpy(), ref_h)
    close(c.numpy(), ref_c)


@pytest.mark.parametrize("padding,strides,dilation", [
    ("valid", 1, 1), ("same", 1, 1), ("valid", 2, 1), ("same", 2, 1), ("same", 1, 2),
    ("valid", (1, 2), 1), ("valid", 1, (2, 1))])
def test_conv_lstm2d_sequence_matches_numpy(padding, strides, dilation):
    layer = L.ConvLSTM2D(3, (3, 2), strides=strides, padding=padding, dilation_rate=dilation,
                         return_sequences=True, return_state=True,
                         bias_initializer="random_normal")
    out, h, c = layer(X2)
    ref_out, ref_h, ref_c = ref_sequence(X2, *weights(layer), strides=strides,
                                         padding=padding, dilation=dilation)
    close(out.numpy(), ref_out)
    close(h.numpy(), ref_h)
    close(c.numpy(), ref_c)
    assert tuple(out.shape) == layer.compute_output_shape(X2.shape)[0]


def test_conv_lstm1d_and_3d_match_numpy():
    x1 = rng.standard_normal((2, 3, 7, 2)).astype(np.float32)
    layer = L.ConvLSTM1D(3, 2, strides=2, return_sequences=True,
                         bias_initializer="random_normal")
    close(layer(x1).numpy(), ref_sequence(x1, *weights(layer), strides=2)[0])
    assert tuple(layer.cell.kernel.shape) == (2, 2, 12)
    x3 = rng.standard_normal((1, 3, 4, 3, 4, 2)).astype(np.float32)
    layer = L.ConvLSTM3D(2, (2, 3, 2), padding="same", bias_initializer="random_normal")
    close(layer(x3).numpy(), ref_sequence(x3, *weights(layer), padding="same")[1])
    assert tuple(layer.cell.recurrent_kernel.shape) == (2, 3, 2, 2, 8)


def test_weights_names_shapes_order_and_unit_forget_bias():
    layer = L.ConvLSTM2D(5, 3, name="clstm")
    layer(X2)
    assert [w.path for w in layer.weights] == [
        "clstm/conv_lstm_cell/kernel", "clstm/conv_lstm_cell/recurrent_kernel",
        "clstm/conv_lstm_cell/bias"]
    assert [tuple(w.shape) for w in layer.weights] == [(3, 3, 3, 20), (3, 3, 5, 20), (20,)]
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0] * 5 + [1] * 5 + [0] * 10)
    u = layer.cell.recurrent_kernel.numpy().reshape(45, 20)       # Keras's orthogonal layout
    np.testing.assert_allclose(u.T @ u, np.eye(20), atol=1e-5)
    assert layer.filters == 5 and layer.kernel_size == (3, 3) and layer.padding == "valid"
    assert layer.activation is tf.keras.activations.tanh
    no_bias = L.ConvLSTM2D(2, 3, use_bias=False, unit_forget_bias=False)
    no_bias(X2)
    assert no_bias.cell.bias is None and len(no_bias.weights) == 2
    close(no_bias(X2).numpy(),
          ref_sequence(X2, no_bias.cell.kernel.numpy(), no_bias.cell.recurrent_kernel.numpy(),
                       0.0)[1])


@pytest.mark.parametrize("return_sequences,return_state", itertools.product([False, True],
                                                                             repeat=2))
def test_output_shapes(return_sequences, return_state):
    layer = L.ConvLSTM2D(4, 3, strides=2, return_sequences=return_sequences,
                         return_state=return_state)
    result = layer(X2)
    expected = layer.compute_output_shape(X2.shape)
    seq = (2, 4, 2, 2, 4) if return_sequences else (2, 2, 2, 4)
    if return_state:
        assert [tuple(t.shape) for t in result] == [seq, (2, 2, 2, 4), (2, 2, 2, 4)]
        assert [tuple(s) for s in expected] == [seq, (2, 2, 2, 4), (2, 2, 2, 4)]
    else:
        assert tuple(result.shape) == seq == tuple(expected)


def test_channels_first_equals_channels_last():
    last = L.ConvLSTM2D(3, 3, padding="same", return_sequences=True,
                        bias_initializer="random_normal")
    first = L.ConvLSTM2D(3, 3, padding="same", return_sequences=True,
                         data_format="channels_first")
    x_first = np.transpose(X2, (0, 1, 4, 2, 3))
    last(X2)
    first(x_first)
    first.set_weights(last.get_weights())
    close(first(x_first).numpy(), np.transpose(last(X2).numpy(), (0, 1, 4, 2, 3)))
    assert first.compute_output_shape(x_first.shape) == (2, 4, 3, 6, 5)


def test_go_backwards():
    layer = L.ConvLSTM2D(2, 3, go_backwards=True, return_sequences=True,
                         bias_initializer="random_normal")
    out = layer(X2).numpy()
    close(out, ref_sequence(X2, *weights(layer), go_backwards=True)[0])
    close(out, ref_sequence(X2[:, ::-1], *weights(layer))[0])


def test_masking_carries_states_and_repeats_outputs():
    mask = np.array([[True, False, True, False], [False, True, True, True]])
    layer = L.ConvLSTM2D(2, 3, padding="same", return_sequences=True, return_state=True,
                         bias_initializer="random_normal")
    out, h, c = layer(X2, mask=tf.constant(mask))
    ref_out, ref_h, ref_c = ref_sequence(X2, *weights(layer), mask=mask, padding="same")
    close(out.numpy(), ref_out)
    close(h.numpy(), ref_h)
    close(c.numpy(), ref_c)
    np.testing.assert_array_equal(out.numpy()[1, 0], 0.0)          # before the first step
    np.testing.assert_array_equal(out.numpy()[0, 1], out.numpy()[0, 0])
    np.testing.assert_array_equal(out._keras_mask.numpy(), mask)
    zero = L.ConvLSTM2D(2, 3, return_sequences=True, zero_output_for_mask=True)
    np.testing.assert_array_equal(zero(X2, mask=mask).numpy()[0, 1], 0.0)


def test_initial_state_and_its_errors():
    layer = L.ConvLSTM2D(2, 3, return_state=True, bias_initializer="random_normal")
    h0 = rng.standard_normal((2, 4, 3, 2)).astype(np.float32)
    c0 = rng.standard_normal((2, 4, 3, 2)).astype(np.float32)
    out, h, c = layer(X2, initial_state=[h0, c0])
    _, ref_h, ref_c = ref_sequence(X2, *weights(layer), h=h0, c=c0)
    close(h.numpy(), ref_h)
    close(c.numpy(), ref_c)
    with pytest.raises(ValueError, match="expects 2 initial state"):
        layer(X2, initial_state=[h0])
    with pytest.raises(ValueError, match=r"initial state has shape \(2, 6, 5, 2\), expected "
                                         r"\(2, 4, 3, 2\)"):
        layer(X2, initial_state=[np.zeros((2, 6, 5, 2), np.float32), c0])


def test_stateful_carries_states_between_calls():
    layer = L.ConvLSTM2D(2, 3, stateful=True)
    first = layer(X2[:, :2]).numpy()
    second = layer(X2[:, 2:]).numpy()
    whole = L.ConvLSTM2D(2, 3)
    whole(X2)
    whole.set_weights(layer.get_weights())
    close(second, whole(X2).numpy())
    layer.reset_states()
    close(layer(X2[:, :2]).numpy(), first)


def test_dropout_only_in_training_and_masks_per_gate():
    layer = L.ConvLSTM2D(3, 3, dropout=0.5, recurrent_dropout=0.4, seed=3)
    inference = layer(X2).numpy()
    np.testing.assert_array_equal(layer(X2).numpy(), inference)
    trained = layer(X2, training=True).numpy()
    assert not np.allclose(trained, inference)
    np.testing.assert_array_equal(layer(X2, training=True).numpy(), trained)   # seeded
    assert layer.cell._input_masks is None and layer.cell._recurrent_masks is None
    # Keras applies dropout only for rates strictly between 0 and 1.
    full = L.ConvLSTM2D(3, 3, dropout=1.0)
    np.testing.assert_array_equal(full(X2, training=True).numpy(), full(X2).numpy())


def _with_weights(layer, k, u, b, x, **kwargs):
    """``layer(x)`` computed with the Tensors k, u, b in place of the cell's variables."""
    cell = layer.cell
    saved = {name: cell.__dict__[name] for name in ("kernel", "recurrent_kernel", "bias")}
    cell.__dict__.update(kernel=k, recurrent_kernel=u, bias=b)
    try:
        return layer(x, **kwargs)
    finally:
        cell.__dict__.update(saved)


@pytest.mark.parametrize("options", [
    dict(padding="same", return_sequences=True),
    dict(strides=2, return_state=True, go_backwards=True),
    dict(data_format="channels_first", padding="same", return_sequences=True)])
def test_gradients_by_finite_differences(options):
    layer = L.ConvLSTM2D(2, (3, 2), dtype="float64", bias_initializer="random_normal",
                         **options)
    x = rng.standard_normal((2, 3, 5, 4, 2))
    layer(x)
    k, u, b = (w.numpy() for w in layer.weights)
    check_grad(lambda x, k, u, b: _with_weights(layer, k, u, b, x), x, k, u, b)


def test_gradients_with_mask_and_initial_state():
    layer = L.ConvLSTM1D(2, 3, padding="same", return_sequences=True, dtype="float64")
    x = rng.standard_normal((2, 4, 5, 2))
    layer(x)
    mask = tf.constant([[True, False, True, True], [True, True, False, True]])
    check_grad(lambda x, h, c: layer(x, mask=mask, initial_state=[h, c]), x,
               rng.standard_normal((2, 5, 2)), rng.standard_normal((2, 5, 2)))


def test_float32_in_float32_out():
    layer = L.ConvLSTM2D(2, 3)
    x = tf.constant(X2)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
    grads = tape.gradient(y, [x] + layer.trainable_weights)
    assert y.dtype == tf.float32 and all(g.dtype == tf.float32 for g in grads)


def test_config_round_trip():
    layer = L.ConvLSTM2D(3, (3, 2), strides=(2, 1), padding="same", dropout=0.25,
                         kernel_regularizer="l2", unit_forget_bias=False, return_sequences=True,
                         go_backwards=True, name="cl")
    layer(X2)
    config = layer.get_config()
    assert config["filters"] == 3 and config["kernel_size"] == (3, 2)
    assert config["strides"] == (2, 1) and config["return_sequences"] is True
    assert "cell" not in config and "rank" not in config
    clone = L.ConvLSTM2D.from_config(config)
    assert clone.get_config() == config
    clone(X2)
    clone.set_weights(layer.get_weights())
    close(clone(X2).numpy(), layer(X2).numpy())
    assert len(layer.losses) == 1                                  # the kernel's l2 penalty


def test_fit_lowers_the_loss():
    tf.keras.utils.set_random_seed(0)
    x = rng.standard_normal((16, 3, 6, 6, 1)).astype(np.float32)
    y = x.mean(axis=(1, 2, 3, 4))[:, None] * 4.0
    model = tf.keras.Sequential([
        tf.keras.Input((3, 6, 6, 1)),
        L.ConvLSTM2D(4, 3, padding="same"),
        L.GlobalAveragePooling2D(),
        L.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.02), loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=8, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match=r"'cl2'.*expected ndim=5, found ndim=4"):
        L.ConvLSTM2D(2, 3, name="cl2")(np.ones((2, 4, 6, 3), np.float32))
    layer = L.ConvLSTM2D(2, 3, name="cl3")
    with pytest.raises(ValueError, match="rank 5"):
        layer.build((2, 4, 6, 3))
    layer(X2)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(np.ones((2, 4, 6, 5, 2), np.float32))
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, timesteps\)"):
        layer(X2, mask=np.ones((2, 4, 6), bool))
    with pytest.raises(ValueError, match="output size would be"):
        L.ConvLSTM2D(2, 7)(X2)
    with pytest.raises(ValueError, match="filters"):
        L.ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match="dilation_rate"):
        L.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding"):
        L.ConvLSTM1D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="kernel_size"):
        L.ConvLSTM3D(2, (3, 3))
