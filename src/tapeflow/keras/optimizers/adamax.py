"""Adamax: Adam with the infinity norm (Kingma & Ba, 2014, section 7)."""
from ...backend import np
from .base import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """``m ← m + (g − m)(1 − β1)``; ``u ← max(β2·u, |g|)``;
    ``w ← w − lr·m / ((1 − β1ᵗ)(u + ε))``.

    >>> import tapeflow as tf
    >>> w = tf.Variable([1.0, 2.0, 3.0, 4.0])
    >>> tf.keras.optimizers.Adamax(0.5).apply([tf.constant([1.0, 6.0, 7.0, 2.0])], [w])
    >>> w.numpy().round(4)
    array([0.5, 1.5, 2.5, 3.5], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name='adamax', **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = [], []
        for v in self._trainable_variables:
            self._m.append(self.add_variable_from_reference(v, "momentum"))
            self._u.append(self.add_variable_from_reference(v, "norm"))

    def _update_numpy(self, index, g, variable, lr, step):
        b1 = self.beta_1
        w = variable._inplace_value()
        tmp = self._scratch_for(index, w)
        m = self._m[index]._inplace_value()
        u = self._u[index]._inplace_value()
        np.subtract(g, m, out=tmp)
        tmp *= 1.0 - b1
        m += tmp
        u *= self.beta_2
        np.abs(g, out=tmp)
        np.maximum(u, tmp, out=u)
        np.add(u, self.epsilon, out=tmp)
        tmp *= 1.0 - b1 ** step
        np.divide(m, tmp, out=tmp)
        tmp *= lr
        w -= tmp

    update_step = Optimizer._public_update_step

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
