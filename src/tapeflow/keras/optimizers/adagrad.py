"""Adagrad (Duchi et al., 2011)."""
from ...backend import np
from .base import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """``acc ← acc + g²`` (acc starts at ``initial_accumulator_value``, 0.1);
    ``w ← w − lr·g/sqrt(acc + ε)``.

    >>> import tapeflow as tf
    >>> w = tf.Variable([1.0, 2.0, 3.0, 4.0])
    >>> tf.keras.optimizers.Adagrad(0.5).apply([tf.constant([1.0, 6.0, 7.0, 2.0])], [w])
    >>> w.numpy().round(4)
    array([0.5233, 1.5007, 2.5005, 3.5061], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name='adagrad', **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.initial_accumulator_value, self.epsilon = (
            float(initial_accumulator_value), float(epsilon))

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        from ..initializers import Constant
        init = Constant(self.initial_accumulator_value)
        self._accumulators = [self.add_variable_from_reference(v, "accumulator", init)
                              for v in self._trainable_variables]

    def _update_numpy(self, index, g, variable, lr, step):
        w = variable._inplace_value()
        tmp = self._scratch_for(index, w)
        acc = self._accumulators[index]._inplace_value()
        np.multiply(g, g, out=tmp)
        acc += tmp
        np.add(acc, self.epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(g, tmp, out=tmp)
        tmp *= lr
        w -= tmp

    update_step = Optimizer._public_update_step

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
