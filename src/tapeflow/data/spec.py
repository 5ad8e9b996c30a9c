"""``tf.data.TensorSpec`` is the engine's ``tf.TensorSpec`` (re-exported where TF has it)."""
from ..spec import TensorSpec

__all__ = ["TensorSpec"]
