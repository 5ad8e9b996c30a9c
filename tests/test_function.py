"""tf.function (runs eagerly), tf.config and tf.TensorSpec."""
import numpy as np
import pytest

import tapeflow as tf


def test_bare_decorator_runs_eagerly_and_keeps_python_function():
    calls = []

    @tf.function
    def f(x):
        calls.append(1)        # Python side effects run on every call (documented)
        return x * 2.0

    assert float(f(tf.constant(3.0))) == 6.0
    assert float(f(tf.constant(4.0))) == 8.0
    assert len(calls) == 2
    assert f.python_function(tf.constant(1.0)).numpy() == 2.0
    assert f.__name__ == "f"


@pytest.mark.parametrize("kwargs", [dict(jit_compile=True), dict(reduce_retracing=True),
                                    dict(autograph=False), dict(experimental_relax_shapes=True)])
def test_decorator_with_arguments(kwargs):
    @tf.function(**kwargs)
    def f(x):
        return x + 1.0
    assert float(f(tf.constant(1.0))) == 2.0


def test_gradients_through_function_are_eager_gradients():
    step = tf.function(lambda x: tf.sin(x) * x)
    x = tf.constant(0.5)
    with tf.GradientTape() as g:
        g.watch(x)
        y = step(x)
    assert float(g.gradient(y, x)) == pytest.approx(np.cos(0.5) * 0.5 + np.sin(0.5))


def test_input_signature_converts_and_checks():
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def f(x):
        assert isinstance(x, tf.Tensor) and x.dtype == tf.float32
        return tf.reduce_sum(x)

    assert float(f([[1.0, 2.0], [3.0, 4.0]])) == 10.0
    assert float(f(np.ones((3, 2)))) == 6.0
    with pytest.raises(TypeError, match="not compatible with the input_signature"):
        f(tf.ones([2, 3]))
    with pytest.raises(TypeError, match="dtype float64"):
        f(tf.constant(np.ones((1, 2))))
    with pytest.raises(TypeError, match="input_signature has 1 entries"):
        f(tf.ones([1, 2]), tf.ones([1, 2]))


def test_input_signature_must_hold_specs():
    with pytest.raises(TypeError, match="TensorSpec"):
        tf.function(lambda x: x, input_signature=[(2,)])


def test_method_binding_excludes_self_from_signature():
    class Model:
        def __init__(self):
            self.w = tf.Variable(2.0)

        @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
        def call(self, x):
            return self.w * x

        @tf.function
        def step(self, x):
            return self.w + x

    m = Model()
    assert float(m.call(3.0)) == 6.0
    assert float(m.step(tf.constant(1.0))) == 3.0
    assert Model.step.python_function(m, tf.constant(1.0)).numpy() == 3.0


def test_get_concrete_function():
    @tf.function
    def f(x):
        return x * x
    cf = f.get_concrete_function(tf.TensorSpec([3], tf.float32))
    assert cf.structured_input_signature[0] == (tf.TensorSpec([3], tf.float32),)
    np.testing.assert_array_equal(cf(tf.constant([1.0, 2.0, 3.0])), [1.0, 4.0, 9.0])
    assert f.get_concrete_function(tf.ones([2])).inputs == [tf.TensorSpec([2], tf.float32)]


def test_run_functions_eagerly_switch():
    assert tf.config.functions_run_eagerly() is False
    tf.config.run_functions_eagerly(True)
    try:
        assert tf.config.functions_run_eagerly() is True
    finally:
        tf.config.run_functions_eagerly(False)
    assert tf.config.functions_run_eagerly() is False


def test_config_devices_and_threads():
    devices = tf.config.list_physical_devices()
    assert [d.device_type for d in devices] == ["CPU"]
    assert tf.config.list_physical_devices("GPU") == []
    assert tf.config.list_physical_devices("CPU")[0].name == "/physical_device:CPU:0"
    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    assert tf.config.threading.get_intra_op_parallelism_threads() == 2
    tf.config.experimental.set_memory_growth(devices[0], True)
    assert tf.config.experimental.get_memory_growth(devices[0]) is True


def test_tensor_spec():
    spec = tf.TensorSpec((None, 3), tf.float32, name="x")
    assert repr(spec) == "TensorSpec(shape=(None, 3), dtype=tf.float32, name='x')"
    assert spec.shape == (None, 3) and spec.dtype == tf.float32 and spec.name == "x"
    assert spec.is_compatible_with(tf.ones([5, 3]))
    assert not spec.is_compatible_with(tf.ones([5, 2]))
    assert not spec.is_compatible_with(tf.ones([5, 3], dtype=tf.int32))
    assert tf.TensorSpec([2]) == tf.TensorSpec([2], tf.float32)
    assert tf.TensorSpec([2]) != tf.TensorSpec([3])
    assert tf.TensorSpec.from_tensor(tf.constant([1, 2])) == tf.TensorSpec([2], tf.int32)
    assert len({tf.TensorSpec([2]), tf.TensorSpec([2])}) == 1
    assert tf.TensorSpec(None).shape.rank is None


def test_returned_numbers_become_tensors_other_objects_pass_through():
    @tf.function
    def f():
        return {"n": 1, "x": 2.5, "arr": np.ones(2), "none": None, "name": "s"}

    out = f()
    assert isinstance(out["n"], tf.Tensor) and out["n"].dtype == tf.int32
    assert isinstance(out["x"], tf.Tensor) and out["x"].dtype == tf.float32
    assert out["arr"].dtype == tf.float64
    assert out["none"] is None and out["name"] == "s"
