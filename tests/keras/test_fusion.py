"""Sequential and functional models run Conv2D -> MaxPooling2D() as one fused primitive,
only where the result cannot differ from calling the two layers."""
import numpy as np
import pytest

import tapeflow as tf

L = tf.keras.layers
FUSED = "FusedConv2DBiasActivationMaxPool"


def _ops(model, x):
    """Names of the primitives a call records (the first call builds, unfused)."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        model(x, training=True)
    return [record[0].name for record in tape._records]


def _images(shape=(4, 10, 10, 3), seed=0):
    return tf.constant(np.random.default_rng(seed).standard_normal(shape).astype("float32"))


def _by_hand(model, x):
    """The model's layers called one after the other (never fused)."""
    for layer in model.layers:
        x = layer(x)
    return x


def _grads(fn, model, x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(fn(x) ** 2)
    return [g.numpy() for g in tape.gradient(loss, model.trainable_variables)]


def test_sequential_fuses_after_the_first_call_and_matches_the_layers():
    model = tf.keras.Sequential([L.Conv2D(6, 3, activation="relu"), L.MaxPooling2D(),
                                 L.Conv2D(4, 3, padding="same"), L.MaxPooling2D(),
                                 L.Flatten(), L.Dense(2)])
    x = _images()
    assert FUSED not in _ops(model, x)          # first call: layers one by one (builds them)
    assert _ops(model, x).count(FUSED) == 2     # then both pairs fused (relu and linear)
    np.testing.assert_allclose(model(x).numpy(), _by_hand(model, x).numpy(), rtol=1e-5,
                               atol=1e-6)
    for fused, plain in zip(_grads(model, model, x), _grads(lambda v: _by_hand(model, v),
                                                             model, x)):
        np.testing.assert_allclose(fused, plain, rtol=1e-4, atol=1e-5)
    assert FUSED not in _ops(model, _images((3, 12, 12, 3)))   # a new shape: unfused once
    assert FUSED in _ops(model, _images((3, 12, 12, 3)))


@pytest.mark.parametrize("conv,pool", [
    (lambda: L.Conv2D(4, 3, activation="tanh"), L.MaxPooling2D),
    (lambda: L.Conv2D(4, 3, use_bias=False), L.MaxPooling2D),
    (lambda: L.Conv2D(6, 3, groups=3), L.MaxPooling2D),
    (lambda: L.Conv2D(4, 3, activity_regularizer="l2"), L.MaxPooling2D),
    (lambda: L.Conv2D(4, 3), lambda: L.MaxPooling2D(3)),
    (lambda: L.Conv2D(4, 3), lambda: L.MaxPooling2D(2, strides=1)),
    (lambda: L.Conv2D(4, 3), lambda: L.MaxPooling2D(padding="same")),
    (lambda: L.Conv2D(4, 3), L.AveragePooling2D),
])
def test_pairs_that_could_differ_are_not_fused(conv, pool):
    model = tf.keras.Sequential([conv(), pool()])
    x = _images()
    _ops(model, x)
    assert FUSED not in _ops(model, x)


def test_subclasses_with_their_own_call_and_patched_instances_are_not_fused():
    class Doubled(L.Conv2D):
        def call(self, inputs):
            return super().call(inputs) * 2.0
    patched = L.Conv2D(4, 3)
    patched.call = lambda inputs: L.Conv2D.call(patched, inputs) + 1.0
    for conv in (Doubled(4, 3), patched):
        model = tf.keras.Sequential([conv, L.MaxPooling2D()])
        x = _images()
        _ops(model, x)
        assert FUSED not in _ops(model, x)
        np.testing.assert_allclose(model(x).numpy(), _by_hand(model, x).numpy())


def test_an_autocast_between_the_layers_or_a_masked_input_takes_the_layers_path():
    x = _images()
    model = tf.keras.Sequential([L.Conv2D(4, 3, dtype="float64"), L.MaxPooling2D()])
    _ops(model, x)
    assert FUSED not in _ops(model, x)   # the conv casts its input, the pool casts back
    model = tf.keras.Sequential([L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D()])
    _ops(model, x)
    masked = tf.identity(x)
    masked._keras_mask = tf.ones((4, 10, 10), tf.bool)
    assert FUSED not in _ops(model, masked)


def test_errors_are_the_layers_own():
    model = tf.keras.Sequential([L.Conv2D(4, 3), L.MaxPooling2D()])
    model(_images())
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        model(_images((4, 10, 10, 2)))
    with pytest.raises(ValueError, match="conv2d|Conv2D|MaxPool"):
        model(_images((4, 3, 3, 3)))   # a 1×1 convolution output cannot be pooled


def test_functional_fuses_only_when_the_pool_alone_reads_the_convolution():
    inputs = tf.keras.Input((10, 10, 3))
    features = L.Conv2D(4, 3, activation="relu")(inputs)
    pooled = L.MaxPooling2D()(features)
    alone = L.MaxPooling2D()(L.Conv2D(4, 3, activation="relu")(inputs))
    fused_model = tf.keras.Model(inputs, L.Concatenate()([L.Flatten()(pooled),
                                                          L.Flatten()(alone)]))
    x = _images()
    _ops(fused_model, x)
    assert _ops(fused_model, x).count(FUSED) == 2
    shared = tf.keras.Model(inputs, [pooled, features])   # the conv output is a model output
    _ops(shared, x)
    assert FUSED not in _ops(shared, x)
    twice = L.Conv2D(4, 3)(inputs)
    read_twice = tf.keras.Model(inputs, [L.MaxPooling2D()(twice), L.Flatten()(twice)])
    _ops(read_twice, x)
    assert FUSED not in _ops(read_twice, x)
    np.testing.assert_allclose(fused_model(x).numpy()[:, :64],
                               tf.reshape(shared(x)[0], (4, -1)).numpy(), rtol=1e-5)


def test_fit_with_fused_layers_learns_and_summary_lists_every_layer():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 8, 8, 1)).astype("float32")
    y = (x[:, :4].mean((1, 2, 3)) > x[:, 4:].mean((1, 2, 3))).astype("int64")
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((8, 8, 1)),
                                 L.Conv2D(8, 3, padding="same", activation="relu"),
                                 L.MaxPooling2D(), L.Flatten(), L.Dense(2)])
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]
    assert [layer.__class__.__name__ for layer in model.layers] == [
        "Conv2D", "MaxPooling2D", "Flatten", "Dense"]


def test_gradient_with_respect_to_the_input_image_through_fused_pairs():
    model = tf.keras.Sequential([L.Conv2D(6, 3, activation="relu"), L.MaxPooling2D(),
                                 L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D()])
    x = _images((2, 14, 14, 3))
    _ops(model, x)
    grads = []
    for fn in (model, lambda v: _by_hand(model, v)):
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(x)
            loss = tf.reduce_sum(fn(x) ** 2)
        grads.append(tape.gradient(loss, x).numpy())
    assert FUSED in _ops(model, x)
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-6)
    assert np.abs(grads[0]).max() > 0


def test_a_sequential_held_by_a_subclassed_model_is_fused():
    class Classifier(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.features = tf.keras.Sequential([L.Conv2D(6, 3, activation="relu"),
                                                 L.MaxPooling2D()])
            self.head = L.Dense(2)

        def call(self, inputs):
            return self.head(tf.reshape(self.features(inputs), (inputs.shape[0], -1)))
    model = Classifier()
    x = _images()
    _ops(model, x)
    assert FUSED in _ops(model, x)
    assert len(model.trainable_variables) == 4
