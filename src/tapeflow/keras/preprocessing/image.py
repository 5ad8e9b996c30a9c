"""``tf.keras.preprocessing.image``: ``load_img``, ``img_to_array``, ``array_to_img`` and
``save_img`` (the same functions as ``tf.keras.utils``'s; Pillow is needed to read and
write files)."""
from ..image_utils import array_to_img, img_to_array, load_img, save_img  # noqa: F401

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]
