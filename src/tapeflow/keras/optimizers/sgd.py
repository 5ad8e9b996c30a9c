"""Stochastic gradient descent, optionally with (Nesterov) momentum."""
from ...backend import np
from .base import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Gradient descent with momentum (Keras 3's equations).

    ``momentum == 0``: ``w -= lr·g``. Otherwise the velocity ``m = momentum·m - lr·g`` and
    ``w += m`` (plain) or ``w += momentum·m - lr·g`` (``nesterov``).

    >>> import tapeflow as tf
    >>> w = tf.Variable([1.0, 2.0, 3.0, 4.0])
    >>> opt = tf.keras.optimizers.SGD(learning_rate=0.5)
    >>> _ = opt.apply_gradients([(tf.constant([1.0, 6.0, 7.0, 2.0]), w)])
    >>> w.numpy()
    array([ 0.5, -1. , -0.5,  3. ], dtype=float32)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False,
                 weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name='SGD', **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1]. Received: "
                             "momentum=%r" % (momentum,))
        self.momentum, self.nesterov = momentum, nesterov

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = []
        if self.momentum != 0:
            self._momentums = [self.add_variable_from_reference(v, "momentum")
                               for v in self._trainable_variables]

    def _update_numpy(self, index, g, variable, lr, step):
        w = variable._inplace_value()
        tmp = self._scratch_for(index, w)
        np.multiply(g, lr, out=tmp)
        momentum = self.momentum
        if momentum == 0:
            w -= tmp
            return
        m = self._momentums[index]._inplace_value()
        m *= momentum
        m -= tmp
        if self.nesterov:
            w -= tmp
            np.multiply(m, momentum, out=tmp)
            w += tmp
        else:
            w += m

    update_step = Optimizer._public_update_step

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
