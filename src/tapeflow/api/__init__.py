"""Public sub-namespaces (``tf.math``, ``tf.nn``, ``tf.linalg``, ``tf.random``, ``tf.config``)."""
