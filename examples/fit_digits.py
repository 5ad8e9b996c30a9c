"""Train an MLP on the bundled 8×8 digits with compile/fit — the Keras way.

    python examples/fit_digits.py

The data ships with tapeflow (nothing is downloaded); it reaches about 97–98% test
accuracy in a couple of seconds on a laptop CPU.
"""
import os
import sys

try:
    import tapeflow as tf
except ImportError:  # running from a source checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    import tapeflow as tf


def load_digits():
    """Digits as flat float32 vectors in [0, 1] with integer labels."""
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.digits.load_data()
    x_train = x_train.reshape(len(x_train), -1).astype("float32") / 16.0
    x_test = x_test.reshape(len(x_test), -1).astype("float32") / 16.0
    return (x_train, y_train), (x_test, y_test)


def build_model(num_classes=10):
    return tf.keras.Sequential([
        tf.keras.Input(shape=(64,)),
        tf.keras.layers.Dense(256, activation="relu"),
        tf.keras.layers.Dropout(0.2),
        tf.keras.layers.Dense(num_classes),
    ], name="digits_mlp")


def main(epochs=40, verbose=2):
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
