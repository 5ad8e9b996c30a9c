"""Train an LSTM on variable-length sequences with masking: Embedding(mask_zero) → LSTM.

    python examples/lstm_sequence.py

The task (synthetic, generated here): each sequence holds 8 to 24 random tokens from
1..5, right-padded with 0 to length 24; the label says whether token 1 occurs more often
than token 2. Solving it needs counting over the whole (unpadded) sequence, which the
mask from ``Embedding(mask_zero=True)`` makes the LSTM ignore the padding for. It reaches
about 98–100% test accuracy in a few seconds on a laptop CPU.
"""
import os
import sys

import numpy as np

try:
    import tapeflow as tf
except ImportError:  # running from a source checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    import tapeflow as tf

MAX_LENGTH = 24


def make_sequences(count, rng):
    """Right-padded token sequences and their labels (count of 1s > count of 2s)."""
    lengths = rng.integers(8, MAX_LENGTH + 1, count)
    tokens = rng.integers(1, 6, (count, MAX_LENGTH))
    tokens[np.arange(MAX_LENGTH)[None, :] >= lengths[:, None]] = 0
    labels = ((tokens == 1).sum(1) > (tokens == 2).sum(1)).astype("float32")
    return tokens, labels


def build_model():
    layers = tf.keras.layers
    return tf.keras.Sequential([
        tf.keras.Input(shape=(MAX_LENGTH,), dtype="int32"),
        layers.Embedding(6, 16, mask_zero=True),
        layers.LSTM(32),
        layers.Dense(1),
    ], name="counting_lstm")


def main(epochs=8, verbose=2):
    tf.keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x_train, y_train = make_sequences(3000, rng)
    x_test, y_test = make_sequences(500, rng)
    model = build_model()
    model.summary()
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=5e-3),
                  loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[tf.keras.metrics.BinaryAccuracy(threshold=0.0)])
    model.fit(x_train, y_train, batch_size=64, epochs=epochs, validation_split=0.1,
              verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print("test loss %.4f, test accuracy %.4f" % (loss, accuracy))
    return accuracy


if __name__ == "__main__":
    main()
