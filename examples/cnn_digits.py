"""Train a small CNN on the bundled 8×8 digits with compile/fit.

    python examples/cnn_digits.py

The model is the one TensorFlow users write first — two convolutions with pooling (and a
batch normalisation) under a dense head — trained on the digits that ship with tapeflow
(nothing is downloaded). It reaches about 98% test accuracy in a few seconds on a laptop
CPU.
"""
import os
import sys

try:
    import tapeflow as tf
except ImportError:  # running from a source checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    import tapeflow as tf


def load_digits():
    """Digits as (N, 8, 8, 1) float32 images in [0, 1] with integer labels."""
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.digits.load_data()
    x_train = (x_train / 16.0).astype("float32")[..., None]
    x_test = (x_test / 16.0).astype("float32")[..., None]
    return (x_train, y_train), (x_test, y_test)


def build_model(num_classes=10):
    layers = tf.keras.layers
    return tf.keras.Sequential([
        tf.keras.Input(shape=(8, 8, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dropout(0.2),
        layers.Dense(64, activation="relu"),
        layers.Dense(num_classes),
    ], name="digits_cnn")


def main(epochs=20, verbose=2):
    tf.keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = load_digits()
    model = build_model()
    model.summary()
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=1e-3),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_split=0.1,
                        verbose=verbose)
    print("final val_accuracy %.4f" % history.history["val_accuracy"][-1])
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print("test loss %.4f, test accuracy %.4f" % (loss, accuracy))
    return accuracy


if __name__ == "__main__":
    main()
