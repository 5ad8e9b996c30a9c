"""StackedRNNCells (and RNN given a list of cells) against the cells run by hand; Dot
against np.einsum."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_grad

L = tf.keras.layers
rng = np.random.default_rng(21)
X = rng.standard_normal((3, 5, 4)).astype(np.float32)


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def by_hand(cells, x, states=None, mask=None):
    """Runs each cell in turn at every step (zero states by default): outputs, last states."""
    n = x.shape[0]
    if states is None:
        states = [[np.zeros((n, s), np.float32) for s in np.atleast_1d(c.state_size)]
                  for c in cells]
    outputs, prev = [], np.zeros((n, cells[-1].output_size), np.float32)
    for t in range(x.shape[1]):
        h, new = x[:, t], []
        for cell, s in zip(cells, states):
            h, s_new = cell(h, s)
            new.append([v.numpy() for v in s_new])
        keep = np.ones((n, 1), bool) if mask is None else mask[:, t:t + 1]
        states = [[np.where(keep, a, b) for a, b in zip(sn, so)] for sn, so in zip(new, states)]
        prev = np.where(keep, h.numpy(), prev)
        outputs.append(prev)
    return np.stack(outputs, 1), states


# -- StackedRNNCells ----------------------------------------------------------------------
def test_state_and_output_sizes():
    cells = L.StackedRNNCells([L.LSTMCell(4), L.GRUCell(3), L.SimpleRNNCell(2)])
    assert cells.state_size == [[4, 4], 3, 2]
    assert cells.output_size == 2
    layer = L.RNN(cells)
    assert layer.state_size == [[4, 4], 3, 2]
    states = cells.get_initial_state(batch_size=3)
    assert [tuple(s.shape) for s in states[0]] == [(3, 4), (3, 4)]
    assert tuple(states[1].shape) == (3, 3) and tuple(states[2].shape) == (3, 2)


def test_rnn_over_stacked_cells_equals_the_cells_by_hand():
    cells = [L.LSTMCell(4, bias_initializer="random_normal"), L.GRUCell(3)]
    layer = L.RNN(L.StackedRNNCells(cells), return_sequences=True, return_state=True)
    out, lstm_states, gru_state = layer(X)
    ref_out, ref_states = by_hand(cells, X)
    close(out.numpy(), ref_out)
    close(lstm_states[0].numpy(), ref_states[0][0])
    close(lstm_states[1].numpy(), ref_states[0][1])
    close(gru_state.numpy(), ref_states[1][0])          # one integer state_size: one tensor
    assert [tuple(s) if isinstance(s, tuple) else [tuple(v) for v in s]
            for s in layer.compute_output_shape(X.shape)] == [(3, 5, 3), [(3, 4), (3, 4)],
                                                              (3, 3)]


def test_a_list_of_cells_is_wrapped_in_stacked_rnn_cells():
    cells = [L.SimpleRNNCell(4), L.LSTMCell(3)]
    layer = L.RNN(cells)
    assert isinstance(layer.cell, L.StackedRNNCells) and layer.cell.cells == cells
    out = layer(X)
    close(out.numpy(), by_hand(cells, X)[0][:, -1])
    stacked = L.RNN(L.StackedRNNCells([L.SimpleRNNCell(4), L.LSTMCell(3)]))
    stacked(X)
    stacked.set_weights(layer.get_weights())
    close(stacked(X).numpy(), out.numpy())


def test_weights_order_and_paths():
    layer = L.RNN(L.StackedRNNCells([L.LSTMCell(4, name="a"), L.SimpleRNNCell(2, name="b")],
                                    name="stack"), name="deep")
    layer(X)
    assert [w.path for w in layer.weights] == [
        "deep/stack/a/kernel", "deep/stack/a/recurrent_kernel", "deep/stack/a/bias",
        "deep/stack/b/kernel", "deep/stack/b/recurrent_kernel", "deep/stack/b/bias"]
    assert L.RNN([L.GRUCell(2)]).cell.name.startswith("stacked_rnn_cells")
    assert [tuple(w.shape) for w in layer.weights] == [(4, 16), (4, 16), (16,), (4, 2),
                                                       (2, 2), (2,)]


def test_calling_the_stack_directly():
    cells = L.StackedRNNCells([L.LSTMCell(3), L.SimpleRNNCell(2)])
    zeros = np.zeros((3, 3), np.float32)
    h, (lstm_states, rnn_state) = cells(X[:, 0], [[zeros, zeros], np.zeros((3, 2), np.float32)])
    assert tuple(h.shape) == (3, 2) and len(lstm_states) == 2
    close(h.numpy(), rnn_state.numpy())
    with pytest.raises(ValueError, match="expects a list of 2 state groups"):
        cells(X[:, 0], [zeros, zeros, zeros])


def test_initial_state_nested_or_flat():
    cells = [L.LSTMCell(3), L.SimpleRNNCell(2)]
    layer = L.RNN(cells, return_state=True)
    layer(X)
    h1, c1 = (rng.standard_normal((3, 3)).astype(np.float32) for _ in range(2))
    h2 = rng.standard_normal((3, 2)).astype(np.float32)
    nested = layer(X, initial_state=[[h1, c1], h2])
    _, ref_states = by_hand(cells, X, states=[[h1, c1], [h2]])
    close(nested[1][1].numpy(), ref_states[0][1])
    close(nested[2].numpy(), ref_states[1][0])
    flat = layer(X, initial_state=[h1, c1, h2])
    close(flat[0].numpy(), nested[0].numpy())
    with pytest.raises(ValueError, match="expects 3 initial state"):
        layer(X, initial_state=[[h1, c1]])
    with pytest.raises(ValueError, match=r"initial state has shape \(3, 3\), expected \(3, 2\)"):
        layer(X, initial_state=[[h1, c1], h1])


def test_masking_carries_every_cells_states():
    ids = np.array([[0, 3, 5, 2, 0], [4, 0, 0, 1, 0], [1, 2, 3, 4, 5]])
    emb = L.Embedding(6, 4, mask_zero=True)
    cells = [L.GRUCell(3), L.LSTMCell(2)]
    out = L.RNN(cells, return_sequences=True)(emb(ids))
    ref_out, _ = by_hand(cells, emb.embeddings.numpy()[ids], mask=ids != 0)
    close(out.numpy(), ref_out)
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids != 0)


def test_dropout_of_each_cell_only_in_training():
    cells = [L.LSTMCell(4, dropout=0.5, seed=1), L.SimpleRNNCell(3, recurrent_dropout=0.5,
                                                                    seed=2)]
    layer = L.RNN(cells)
    inference = layer(X).numpy()
    close(inference, by_hand(cells, X)[0][:, -1])
    trained = layer(X, training=True).numpy()
    assert not np.allclose(trained, inference)
    np.testing.assert_array_equal(layer(X, training=True).numpy(), trained)     # seeded
    assert layer.cell._step_masks is None and cells[1]._recurrent_mask is None
    np.testing.assert_array_equal(layer(X).numpy(), inference)


def test_gradients_by_finite_differences():
    layer = L.RNN([L.SimpleRNNCell(3, dtype="float64"), L.LSTMCell(2, dtype="float64")],
                  return_sequences=True, dtype="float64")
    x = rng.standard_normal((2, 4, 3))
    layer(x)
    mask = tf.constant([[True, True, False, True], [True, False, True, True]])
    check_grad(lambda x: layer(x, mask=mask), x)

    def with_kernel(x, k):
        cell = layer.cell.cells[1]
        saved = cell.__dict__["kernel"]
        cell.__dict__["kernel"] = k
        try:
            return layer(x)
        finally:
            cell.__dict__["kernel"] = saved
    check_grad(with_kernel, x, layer.cell.cells[1].kernel.numpy())


def test_config_round_trips():
    cells = L.StackedRNNCells([L.LSTMCell(4, unit_forget_bias=False), L.GRUCell(2,
                                                                                reset_after=False)])
    config = cells.get_config()
    assert [c["class_name"] for c in config["cells"]] == ["LSTMCell", "GRUCell"]
    clone = L.StackedRNNCells.from_config(config)
    assert clone.get_config() == config
    assert clone.cells[0].unit_forget_bias is False and clone.cells[1].reset_after is False
    layer = L.RNN(cells, return_sequences=True)
    layer(X)
    rebuilt = L.RNN.from_config(dict(layer.get_config(), cell=clone, name="rebuilt"))
    rebuilt(X)
    rebuilt.set_weights(layer.get_weights())
    close(rebuilt(X).numpy(), layer(X).numpy())
    with pytest.raises(ValueError, match="Unknown cell class"):
        L.StackedRNNCells.from_config({"cells": [{"class_name": "NoSuchCell", "config": {}}]})


def test_stacked_cells_in_a_functional_model():
    inputs = tf.keras.Input((5, 4))
    outputs = L.Dense(1)(L.RNN([L.GRUCell(3), L.GRUCell(2)])(inputs))
    model = tf.keras.Model(inputs, outputs)
    assert tuple(model(X).shape) == (3, 1)
    assert len(model.trainable_weights) == 8


def test_stacked_cells_errors():
    with pytest.raises(ValueError, match="at least one cell"):
        L.StackedRNNCells([])
    with pytest.raises(ValueError, match="`call` method"):
        L.StackedRNNCells([L.LSTMCell(2), object()])
    with pytest.raises(ValueError, match="state_size"):
        L.RNN([L.Dense(2)])


# -- Dot ----------------------------------------------------------------------------------
DOT_CASES = [
    # (shape x, shape y, axes, einsum)
    ((3, 4), (3, 4), 1, "bi,bi->b"),
    ((3, 4), (3, 4), -1, "bi,bi->b"),
    ((3, 4), (3, 4), (1, 1), "bi,bi->b"),
    ((3, 5, 4), (3, 6, 4), 2, "bnd,bmd->bnm"),
    ((3, 5, 4), (3, 6, 4), -1, "bnd,bmd->bnm"),
    ((3, 4, 5), (3, 4, 6), 1, "bdn,bdm->bnm"),
    ((3, 5, 4), (3, 4, 6), (2, 1), "bnd,bdm->bnm"),
    ((3, 5, 4), (3, 4, 6), (-1, -2), "bnd,bdm->bnm"),
    ((3, 4, 5), (3, 6, 4), (1, 2), "bdn,bmd->bnm"),
    ((3, 4), (3, 6, 4), (1, 2), "bd,bmd->bm"),
    ((3, 4), (3, 4, 6), (-1, 1), "bd,bdm->bm"),
    ((3, 5, 4), (3, 4), (2, 1), "bnd,bd->bn"),
    ((3, 4, 5), (3, 4), (1, -1), "bdn,bd->bn"),
    ((3, 2, 5, 4), (3, 4, 6), (3, 1), "bpnd,bdm->bpnm"),
]


def _unit(a, axis):
    return a / np.maximum(np.sqrt(np.sum(a * a, axis=axis, keepdims=True)), 1e-7)


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("sx,sy,axes,spec", DOT_CASES)
def test_dot_matches_einsum(sx, sy, axes, spec, normalize):
    x = rng.standard_normal(sx).astype(np.float32)
    y = rng.standard_normal(sy).astype(np.float32)
    layer = L.Dot(axes=axes, normalize=normalize)
    out = layer([x, y])
    a0, a1 = (axes, axes) if isinstance(axes, int) else axes
    xr, yr = (_unit(x, a0), _unit(y, a1)) if normalize else (x, y)
    expected = np.einsum(spec, xr, yr)
    if expected.ndim == 1:
        expected = expected[:, None]                        # Keras keeps (batch, 1)
    close(out.numpy(), expected)
    assert out.dtype == tf.float32
    assert tuple(out.shape) == layer.compute_output_shape([sx, sy])


def test_dot_normalized_is_cosine_similarity_and_zero_safe():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], np.float32)
    y = np.array([[4.0, 3.0], [1.0, 0.0]], np.float32)
    out = L.Dot(axes=1, normalize=True)([x, y]).numpy()
    close(out, [[24.0 / 25.0], [0.0]])
    x64 = tf.constant(np.zeros((1, 2)))
    with tf.GradientTape() as tape:
        tape.watch(x64)
        z = L.Dot(axes=1, normalize=True, dtype="float64")([x64, tf.constant([[1.0, 2.0]],
                                                                              tf.float64)])
    assert np.all(np.isfinite(tape.gradient(z, x64).numpy()))


@pytest.mark.parametrize("axes,sx,sy", [((2, 1), (2, 3, 4), (2, 4, 3)),
                                        (1, (2, 3), (2, 3)),
                                        ((1, 2), (2, 4, 3), (2, 5, 4))])
@pytest.mark.parametrize("normalize", [False, True])
def test_dot_gradients_by_finite_differences(axes, sx, sy, normalize):
    layer = L.Dot(axes=axes, normalize=normalize, dtype="float64")
    check_grad(lambda x, y: layer([x, y]), rng.standard_normal(sx), rng.standard_normal(sy))


def test_dot_config_functional_form_and_model():
    layer = L.Dot(axes=(2, 1), normalize=True, name="d")
    config = layer.get_config()
    assert config["axes"] == (2, 1) and config["normalize"] is True
    assert L.Dot.from_config(config).get_config() == config
    a, b = tf.keras.Input((5, 4)), tf.keras.Input((4, 6))
    out = L.dot([a, b], axes=(2, 1))
    assert tuple(out.shape) == (None, 5, 6)
    model = tf.keras.Model([a, b], out)
    x, y = np.ones((2, 5, 4), np.float32), np.ones((2, 4, 6), np.float32)
    close(model([x, y]).numpy(), np.full((2, 5, 6), 4.0))
    assert L.Dot(axes=-1).compute_output_shape([(None, 3), (None, 3)]) == (None, 1)


def test_dot_errors():
    x, y = np.ones((2, 3, 4), np.float32), np.ones((2, 5, 4), np.float32)
    with pytest.raises(ValueError, match=r"axis values 3 \(at axis 1\) != 5 \(at axis 1\)"):
        L.Dot(axes=1)([x, y])
    with pytest.raises(ValueError, match="Incompatible input shapes"):
        L.Dot(axes=(2, 1))([x, y])
    with pytest.raises(ValueError, match="batch axis 0"):
        L.Dot(axes=0)([x, x])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        L.Dot(axes=2)([x, y, y])
    with pytest.raises(ValueError, match="list of inputs"):
        L.Dot(axes=2)(x)
    with pytest.raises(ValueError, match="rank >= 2"):
        L.Dot(axes=-1)([np.ones(3, np.float32), np.ones(3, np.float32)])
    with pytest.raises(ValueError, match="out of range"):
        L.Dot(axes=3)([x, y])
    with pytest.raises(ValueError, match="same batch size"):
        L.Dot(axes=2)([x, np.ones((3, 5, 4), np.float32)])
    with pytest.raises(TypeError, match="axes"):
        L.Dot(axes="last")
    with pytest.raises(ValueError, match="two elements"):
        L.Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="integers"):
        L.Dot(axes=(1, 2.0))


def test_bidirectional_rnn_of_a_cell_gets_two_cells():
    # RNN.get_config serialises its cell (Keras 3), so each direction rebuilt from it has its own
    for cell in (tf.keras.layers.LSTMCell(4),
                 [tf.keras.layers.LSTMCell(4), tf.keras.layers.GRUCell(3)]):
        layer = tf.keras.layers.Bidirectional(tf.keras.layers.RNN(cell))
        layer(tf.ones((2, 5, 3)))
        assert layer.forward_layer.cell is not layer.backward_layer.cell
        assert len(layer.weights) == 2 * len(layer.forward_layer.weights)
    rnn = tf.keras.layers.RNN(tf.keras.layers.SimpleRNNCell(4), return_sequences=True)
    clone = tf.keras.layers.RNN.from_config(rnn.get_config())
    assert clone.cell is not rnn.cell and clone.cell.units == 4 and clone.return_sequences
