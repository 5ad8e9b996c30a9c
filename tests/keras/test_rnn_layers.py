"""SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed against NumPy reference loops."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad

L = tf.keras.layers
rng = np.random.default_rng(4)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def ref_lstm(x, k, u, b, h=None, c=None, mask=None):
    """Keras's LSTM: gates i, f, c, o; masked steps keep states and repeat the output."""
    n, t, _ = x.shape
    units = u.shape[0]
    h = np.zeros((n, units)) if h is None else h
    c = np.zeros((n, units)) if c is None else c
    out, prev = [], np.zeros((n, units))
    for s in range(t):
        z = x[:, s] @ k + h @ u + b
        i, f, g, o = (sigmoid(z[:, :units]), sigmoid(z[:, units:2 * units]),
                      np.tanh(z[:, 2 * units:3 * units]), sigmoid(z[:, 3 * units:]))
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        m = np.ones((n, 1), bool) if mask is None else mask[:, s:s + 1]
        h, c = np.where(m, h_new, h), np.where(m, c_new, c)
        prev = np.where(m, h_new, prev)
        out.append(prev)
    return np.stack(out, 1), h, c


def ref_gru(x, k, u, b, reset_after=True):
    n, t, _ = x.shape
    units = u.shape[0]
    h = np.zeros((n, units))
    out = []
    for s in range(t):
        if reset_after:
            mx, inner = x[:, s] @ k + b[0], h @ u + b[1]
            z = sigmoid(mx[:, :units] + inner[:, :units])
            r = sigmoid(mx[:, units:2 * units] + inner[:, units:2 * units])
            cand = np.tanh(mx[:, 2 * units:] + r * inner[:, 2 * units:])
        else:
            mx = x[:, s] @ k + b
            z = sigmoid(mx[:, :units] + h @ u[:, :units])
            r = sigmoid(mx[:, units:2 * units] + h @ u[:, units:2 * units])
            cand = np.tanh(mx[:, 2 * units:] + (r * h) @ u[:, 2 * units:])
        h = z * h + (1 - z) * cand
        out.append(h)
    return np.stack(out, 1), h


def ref_simple_rnn(x, k, u, b):
    h = np.zeros((x.shape[0], u.shape[0]))
    out = []
    for s in range(x.shape[1]):
        h = np.tanh(x[:, s] @ k + h @ u + b)
        out.append(h)
    return np.stack(out, 1), h


def weights(layer):
    cell = layer.cell
    return cell.kernel.numpy(), cell.recurrent_kernel.numpy(), cell.bias.numpy()


X = rng.standard_normal((3, 6, 4)).astype(np.float32)


@pytest.mark.parametrize("unroll", [False, True], ids=["fused", "cell_loop"])
def test_lstm_matches_reference(unroll):
    layer = L.LSTM(5, return_sequences=True, return_state=True, unroll=unroll,
                   bias_initializer="random_normal")
    out, h, c = layer(X)
    ref_out, ref_h, ref_c = ref_lstm(X, *weights(layer))
    np.testing.assert_allclose(out.numpy(), ref_out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h.numpy(), ref_h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c.numpy(), ref_c, rtol=1e-4, atol=1e-5)


def test_lstm_weights_and_unit_forget_bias():
    layer = L.LSTM(3)
    layer(X)
    assert [w.path for w in layer.weights] == [
        "%s/lstm_cell/%s" % (layer.name, n) for n in ("kernel", "recurrent_kernel", "bias")]
    assert [tuple(w.shape) for w in layer.weights] == [(4, 12), (3, 12), (12,)]
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    assert layer.cell.recurrent_activation is tf.keras.activations.sigmoid
    u = layer.cell.recurrent_kernel.numpy()            # orthogonal by default
    np.testing.assert_allclose(u @ u.T, np.eye(3), atol=1e-5)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("unroll", [False, True], ids=["fused", "cell_loop"])
def test_gru_matches_reference(reset_after, unroll):
    layer = L.GRU(5, return_sequences=True, reset_after=reset_after, unroll=unroll,
                  bias_initializer="random_normal")
    out = layer(X).numpy()
    assert layer.cell.bias.shape == ((2, 15) if reset_after else (15,))
    ref_out, _ = ref_gru(X, *weights(layer), reset_after=reset_after)
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-5)


def test_simple_rnn_matches_reference():
    layer = L.SimpleRNN(5, return_state=True, bias_initializer="random_normal")
    out, h = layer(X)
    ref_out, ref_h = ref_simple_rnn(X, *weights(layer))
    np.testing.assert_allclose(out.numpy(), ref_out[:, -1], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h.numpy(), ref_h, rtol=1e-4, atol=1e-5)


def test_go_backwards_returns_the_reversed_sequence():
    layer = L.SimpleRNN(3, return_sequences=True, go_backwards=True)
    out = layer(X).numpy()
    ref_out, _ = ref_simple_rnn(X[:, ::-1], *weights(layer))
    np.testing.assert_allclose(out, ref_out, rtol=1e-4, atol=1e-5)


def test_initial_state_and_its_errors():
    layer = L.LSTM(5, return_state=True)
    h0 = rng.standard_normal((3, 5)).astype(np.float32)
    c0 = rng.standard_normal((3, 5)).astype(np.float32)
    out, h, c = layer(X, initial_state=[h0, c0])
    ref_out, ref_h, ref_c = ref_lstm(X, *weights(layer), h=h0, c=c0)
    np.testing.assert_allclose(h.numpy(), ref_h, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="expects 2 initial state"):
        layer(X, initial_state=[h0])
    with pytest.raises(ValueError, match=r"initial state has shape \(3, 4\)"):
        layer(X, initial_state=[h0[:, :4], c0])


@pytest.mark.parametrize("unroll", [False, True], ids=["fused", "cell_loop"])
def test_masking_through_embedding_carries_states(unroll):
    ids = np.array([[0, 3, 5, 2, 0], [4, 0, 0, 0, 0], [1, 2, 3, 4, 5]])
    emb = L.Embedding(6, 4, mask_zero=True)
    layer = L.LSTM(3, return_sequences=True, return_state=True, unroll=unroll)
    out, h, c = layer(emb(ids))
    vectors = emb.embeddings.numpy()[ids]
    ref_out, ref_h, ref_c = ref_lstm(vectors, *weights(layer), mask=ids != 0)
    np.testing.assert_allclose(out.numpy(), ref_out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h.numpy(), ref_h, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(out.numpy()[0, 0], 0.0)          # before the first step
    np.testing.assert_array_equal(out.numpy()[1, 1:], np.repeat(out.numpy()[1, :1], 4, 0))
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids != 0)


def test_zero_output_for_mask():
    ids = np.array([[3, 0, 5]])
    emb = L.Embedding(6, 2, mask_zero=True)
    out = L.SimpleRNN(2, return_sequences=True, zero_output_for_mask=True)(emb(ids)).numpy()
    np.testing.assert_array_equal(out[0, 1], 0.0)
    assert np.all(out[0, 2] != 0.0)


def test_last_output_with_mask_is_the_last_unmasked_step():
    ids = np.array([[2, 3, 0, 0]])
    emb = L.Embedding(5, 2, mask_zero=True)
    seq = L.GRU(3, return_sequences=True)
    last = L.GRU(3)
    vectors = emb(ids)
    seq(vectors)
    last(vectors)
    last.set_weights(seq.get_weights())
    np.testing.assert_allclose(last(vectors).numpy(), seq(vectors).numpy()[:, 1], rtol=1e-6)


@pytest.mark.parametrize("cls", [L.LSTM, L.GRU, L.SimpleRNN])
def test_fused_layer_gradients_by_finite_differences(cls):
    layer = cls(3, return_sequences=True, dtype="float64")
    x = rng.standard_normal((2, 4, 3))
    layer(x)
    mask = tf.constant(np.array([[True, True, False, True], [True, False, True, True]]))
    check_grad(lambda inputs: layer(inputs, mask=mask), x)


def test_weight_gradients_fused_equal_cell_loop():
    fused, loop = L.LSTM(4), L.LSTM(4, unroll=True)
    fused(X)
    loop(X)
    loop.set_weights(fused.get_weights())
    grads = []
    for layer in (fused, loop):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(X) ** 2)
        grads.append([g.numpy() for g in tape.gradient(loss, layer.trainable_weights)])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_dropout_only_in_training():
    layer = L.LSTM(4, dropout=0.5, recurrent_dropout=0.3, seed=1)
    inference = layer(X).numpy()
    np.testing.assert_array_equal(layer(X).numpy(), inference)
    assert not np.allclose(layer(X, training=True).numpy(), inference)


def test_stateful_carries_states_between_calls():
    layer = L.SimpleRNN(3, stateful=True)
    first = layer(X[:, :3]).numpy()
    second = layer(X[:, 3:]).numpy()
    whole = L.SimpleRNN(3)
    whole(X)
    whole.set_weights(layer.get_weights())
    np.testing.assert_allclose(second, whole(X).numpy(), rtol=1e-5, atol=1e-6)
    layer.reset_states()
    np.testing.assert_allclose(layer(X[:, :3]).numpy(), first, rtol=1e-6)


def test_bidirectional_concat_and_states():
    layer = L.Bidirectional(L.LSTM(3, return_sequences=True))
    out = layer(X).numpy()
    fwd, bwd = layer.forward_layer, layer.backward_layer
    ref_f, _, _ = ref_lstm(X, *weights(fwd))
    ref_b, _, _ = ref_lstm(X[:, ::-1], *weights(bwd))
    np.testing.assert_allclose(out, np.concatenate([ref_f, ref_b[:, ::-1]], -1), rtol=1e-4,
                               atol=1e-5)
    assert fwd.name.startswith("forward_") and bwd.go_backwards
    summed = L.Bidirectional(L.GRU(3, return_state=True), merge_mode="sum")(X)
    assert [tuple(t.shape) for t in summed] == [(3, 3), (3, 3), (3, 3)]
    with pytest.raises(ValueError, match="merge mode"):
        L.Bidirectional(L.GRU(3), merge_mode="max")


def test_time_distributed_dense():
    inner = L.Dense(2)
    layer = L.TimeDistributed(inner)
    y = layer(X).numpy()
    np.testing.assert_allclose(y, X @ inner.kernel.numpy() + inner.bias.numpy(), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        L.TimeDistributed(L.Dense(2))(np.ones((2, 3), np.float32))


def test_rnn_errors_and_config():
    with pytest.raises(ValueError, match=r"lstm_x.*ndim=3|lstm_x.*rank 3"):
        L.LSTM(3, name="lstm_x")(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="units"):
        L.GRU(0)
    layer = L.GRU(4, return_sequences=True, reset_after=False, go_backwards=True)
    clone = L.GRU.from_config(layer.get_config())
    assert clone.reset_after is False and clone.go_backwards and clone.units == 4
    cell_rnn = L.RNN(L.LSTMCell(3), return_sequences=True)
    assert cell_rnn(X).shape == (3, 6, 3)


def test_no_bias_and_other_activations_match_the_reference():
    layer = L.LSTM(4, use_bias=False, return_sequences=True)
    out = layer(X).numpy()
    k, u = layer.cell.kernel.numpy(), layer.cell.recurrent_kernel.numpy()
    assert layer.cell.bias is None
    np.testing.assert_allclose(out, ref_lstm(X, k, u, np.zeros(16))[0], rtol=1e-4, atol=1e-5)
    relu_rnn = L.SimpleRNN(4, activation="relu", return_sequences=True)   # runs the cell loop
    out = relu_rnn(X).numpy()
    k, u, b = weights(relu_rnn)
    h, ref = np.zeros((3, 4)), []
    for t in range(X.shape[1]):
        h = np.maximum(X[:, t] @ k + h @ u + b, 0)
        ref.append(h)
    np.testing.assert_allclose(out, np.stack(ref, 1), rtol=1e-4, atol=1e-5)


def test_stateful_layer_exposes_its_states_for_reuse():
    # the Keras RNN guide's state reuse: new_layer(x, initial_state=old_layer.states)
    layer = L.LSTM(4, stateful=True)
    assert layer.states is None and L.LSTM(4).states is None
    layer(X[:, :3])
    h, c = layer.states
    assert tuple(h.shape) == (3, 4) and tuple(c.shape) == (3, 4)
    whole = L.LSTM(4)
    whole(X)
    whole.set_weights(layer.get_weights())
    continued = L.LSTM(4)
    continued(X[:, 3:], initial_state=layer.states)
    continued.set_weights(layer.get_weights())
    np.testing.assert_allclose(continued(X[:, 3:], initial_state=layer.states).numpy(),
                               whole(X).numpy(), rtol=1e-5, atol=1e-6)
    layer.reset_states()
    assert not np.any(layer.states[0].numpy()) and not np.any(layer.states[1].numpy())
    layer.reset_states([np.ones((3, 4)), np.zeros((3, 4))])
    assert np.all(layer.states[0].numpy() == 1)


class _CountingCell(L.Layer):
    """A custom cell known only through custom_objects."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

    def call(self, inputs, states):
        output = tf.matmul(inputs, self.kernel) + states[0]
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_custom_cells_and_wrapped_layers_reload_through_custom_objects(tmp_path):
    pytest.importorskip("h5py")
    inputs = tf.keras.Input((5, 4))
    x = L.Bidirectional(L.RNN(_CountingCell(3), return_sequences=True))(inputs)
    x = L.RNN([_CountingCell(2), L.GRUCell(2)])(x)
    model = tf.keras.Model(inputs, x)
    config = model.get_config()["layers"][1]["config"]["layer"]["config"]["cell"]
    assert config["class_name"] == "_CountingCell" and "module" in config
    path = str(tmp_path / "cells.keras")
    model.save(path)
    loaded = tf.keras.models.load_model(path, custom_objects={"_CountingCell": _CountingCell})
    np.testing.assert_allclose(loaded(X).numpy(), model(X).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="Unknown cell class"):
        L.RNN.from_config({"cell": {"class_name": "NoSuchCell", "config": {}}})
