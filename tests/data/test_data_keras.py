"""A Dataset as the input of Keras fit/evaluate/predict."""
import numpy as np

import tapeflow as tf


def test_fit_evaluate_predict_on_a_dataset():
    rng = np.random.default_rng(0)
    x = rng.random((200, 4)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) > 2).astype(np.float32)
    weights = np.ones(200, np.float32)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    train = tf.data.Dataset.from_tensor_slices((x, y, weights)).shuffle(200, seed=0).batch(32)
    history = model.fit(train, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert int(model.optimizer.iterations) == 2 * len(train)
    loss, accuracy = model.evaluate(tf.data.Dataset.from_tensor_slices((x, y)).batch(50), verbose=0)
    assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0
    predictions = model.predict(tf.data.Dataset.from_tensor_slices(x).batch(64), verbose=0)
    assert np.asarray(predictions).shape == (200, 1)
    repeated = tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(32)
    model.fit(repeated, epochs=1, steps_per_epoch=3, verbose=0)
    assert int(model.optimizer.iterations) == 2 * len(train) + 3
