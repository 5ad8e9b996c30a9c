"""DTypes and TF's promotion rules (no silent promotion between tensors)."""
import numpy as np
import pytest

import tapeflow as tf


def test_dtype_objects():
    assert tf.float32.name == "float32" and repr(tf.float32) == "tf.float32"
    assert tf.float32.as_numpy_dtype is np.float32
    assert tf.float64.is_floating and not tf.float64.is_integer
    assert tf.int8.is_integer and tf.uint8.is_unsigned and tf.bool.is_bool
    assert tf.float16.size == 2 and tf.int64.size == 8
    assert tf.as_dtype("float32") is tf.float32
    assert tf.as_dtype(np.float64) is tf.float64 and tf.as_dtype(np.dtype("int16")) is tf.int16
    assert tf.double is tf.float64 and tf.half is tf.float16
    assert tf.float32 == "float32" and tf.float32 == np.float32 and tf.float32 != tf.float64
    assert tf.float32.is_trainable and not tf.int32.is_trainable
    assert tf.int8.min == -128 and tf.uint8.max == 255
    assert len({tf.float32, tf.as_dtype("float32")}) == 1


def test_as_dtype_rejects_unknown():
    with pytest.raises(TypeError, match="Cannot convert 'nope' to a dtype"):
        tf.as_dtype("nope")


@pytest.mark.parametrize("value, dtype", [
    (1.5, tf.float32), (1, tf.int32), ([1, 2.5], tf.float32), (True, tf.bool),
    (np.array([1.0]), tf.float64), (np.float64(2.0), tf.float64),
    (np.array([1], np.int64), tf.int64), (np.array([1], np.uint8), tf.uint8),
    (np.array([1.0], np.float16), tf.float16), ("s", tf.string), (2 ** 40, tf.int64),
])
def test_default_dtypes(value, dtype):
    assert tf.constant(value).dtype == dtype
    assert tf.convert_to_tensor(value).dtype == dtype


def test_python_scalars_take_the_tensors_dtype():
    for dt in (tf.float16, tf.float32, tf.float64):
        x = tf.constant([1.0], dtype=dt)
        assert (x * 2).dtype == dt and (2.5 + x).dtype == dt and (x / 3).dtype == dt
    assert (tf.constant([1], dtype=tf.int64) + 1).dtype == tf.int64


def test_numpy_arrays_take_the_tensors_dtype():
    x = tf.constant([1.0, 2.0])
    assert (x * np.array([2.0, 3.0])).dtype == tf.float32


def test_mixed_tensor_dtypes_raise_invalid_argument():
    a, b = tf.constant([1.0]), tf.constant([1.0], dtype=tf.float64)
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        a + b
    message = str(info.value)
    assert "float32" in message and "float64" in message and "tf.cast" in message
    assert isinstance(info.value, ValueError)     # InvalidArgumentError is a ValueError
    with pytest.raises(ValueError):
        tf.constant(1.0) * tf.constant(1)


def test_int_division_gives_float64():
    assert (tf.constant(1) / tf.constant(2)).dtype == tf.float64


def test_cast_and_convert_with_dtype():
    assert tf.cast(tf.constant([1.7, -1.7]), tf.int32).numpy().tolist() == [1, -1]
    assert tf.constant([1, 2], dtype=tf.float32).dtype == tf.float32
    assert tf.convert_to_tensor(1, dtype_hint=tf.float32).dtype == tf.float32
    with pytest.raises(tf.errors.InvalidArgumentError, match="tf.cast"):
        tf.convert_to_tensor(tf.constant(1.0), dtype=tf.float64)
    with pytest.raises(TypeError):
        tf.constant(1.5, dtype=tf.int32)


def test_errors_hierarchy():
    assert issubclass(tf.errors.InvalidArgumentError, tf.errors.OpError)
    assert issubclass(tf.errors.NotFoundError, LookupError)
    err = tf.errors.InvalidArgumentError(None, "Add", "bad")
    assert err.message == "bad" and err.op == "Add" and str(err) == "bad"
    assert tf.errors.OutOfRangeError("done").message == "done"
