"""Lion: evolved sign momentum (Chen et al., 2023)."""
from ...backend import np
from .base import Optimizer

__all__ = ["Lion"]


class Lion(Optimizer):
    """``w ← w − lr·sign(β1·m + (1 − β1)g)``; then ``m ← β2·m + (1 − β2)g``.

    >>> import tapeflow as tf
    >>> w = tf.Variable([1.0, 2.0, 3.0, 4.0])
    >>> tf.keras.optimizers.Lion(0.5).apply([tf.constant([1.0, 6.0, 7.0, 2.0])], [w])
    >>> w.numpy()
    array([0.5, 1.5, 2.5, 3.5], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99,
                 weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name='lion', **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             "optimizer degenerates to SignSGD. Received: beta_1=%s." % beta_1)
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = [self.add_variable_from_reference(v, "momentum")
                           for v in self._trainable_variables]

    def _update_numpy(self, index, g, variable, lr, step):
        b1, b2 = self.beta_1, self.beta_2
        w = variable._inplace_value()
        tmp = self._scratch_for(index, w)
        m = self._momentums[index]._inplace_value()
        np.multiply(m, b1, out=tmp)
        tmp += g * (1.0 - b1)
        np.sign(tmp, out=tmp)
        tmp *= lr
        w -= tmp
        m *= b2
        m += g * (1.0 - b2)

    update_step = Optimizer._public_update_step

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
