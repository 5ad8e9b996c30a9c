"""The seed's custom training loop, made real: a subclassed model trained on the bundled
digits with GradientTape, an optimizer, a loss object, and train/validation metrics that
are reset every epoch.

    python examples/custom_loop_digits.py
"""
import os
import sys

import numpy as np

try:
    import tapeflow as tf
except ImportError:  # running from a source checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    import tapeflow as tf


class MyModel(tf.keras.Model):
    """Two Dense layers, as in the seed."""

    def __init__(self, num_classes=10):
        super().__init__(name="my_model")
        self.dense_1 = tf.keras.layers.Dense(256, activation="relu")
        self.dense_2 = tf.keras.layers.Dense(num_classes)

    def call(self, inputs):
        return self.dense_2(self.dense_1(inputs))


def main(epochs=30, batch_size=32):
    tf.keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.digits.load_data()
    x_train = x_train.reshape(len(x_train), -1).astype("float32") / 16.0
    x_test = x_test.reshape(len(x_test), -1).astype("float32") / 16.0
    y_train = tf.keras.utils.to_categorical(y_train, 10)
    y_test = tf.keras.utils.to_categorical(y_test, 10)
    # Hold out the last 10% of the training set for validation.
    split = int(len(x_train) * 0.9)
    x_train, x_val = x_train[:split], x_train[split:]
    y_train, y_val = y_train[:split], y_train[split:]

    model = MyModel()
    optimizer = tf.keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
    train_acc_metric = tf.keras.metrics.CategoricalAccuracy()
    val_acc_metric = tf.keras.metrics.CategoricalAccuracy()
    train_loss = tf.keras.metrics.Mean(name="loss")

    train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))
    train_dataset = train_dataset.shuffle(buffer_size=2048, seed=0).batch(batch_size)
    val_dataset = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(256)

    for epoch in range(epochs):
        for x_batch, y_batch in train_dataset:
            with tf.GradientTape() as tape:
                logits = model(x_batch, training=True)
                loss_value = loss_fn(y_batch, logits)
            grads = tape.gradient(loss_value, model.trainable_weights)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))
            train_acc_metric.update_state(y_batch, logits)
            train_loss.update_state(loss_value, sample_weight=len(x_batch))
        for x_batch, y_batch in val_dataset:
            val_acc_metric.update_state(y_batch, model(x_batch, training=False))
        print("epoch %2d: loss %.4f - accuracy %.4f - val_accuracy %.4f" % (
            epoch + 1, float(train_loss.result()), float(train_acc_metric.result()),
            float(val_acc_metric.result())))
        train_acc_metric.reset_state()
        val_acc_metric.reset_state()
        train_loss.reset_state()

    test_acc = tf.keras.metrics.CategoricalAccuracy()
    test_acc.update_state(y_test, model(x_test))
    predicted = np.argmax(np.asarray(model(x_test)), axis=1)
    print("test accuracy %.4f (%d of %d right)" % (float(test_acc.result()),
                                                  int((predicted == y_test.argmax(1)).sum()),
                                                  len(y_test)))
    return float(test_acc.result())


if __name__ == "__main__":
    main()
