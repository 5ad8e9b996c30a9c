"""``tf.keras.preprocessing``: the legacy home of ``sequence.pad_sequences`` that tf.keras 2
text tutorials import from (Keras 3 keeps it too)."""
from . import sequence  # noqa: F401
