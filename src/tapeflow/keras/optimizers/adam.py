"""Adam (Kingma & Ba, 2014), with the AMSGrad variant."""
import math as _math

from ...backend import np
from .base import Optimizer

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adaptive moments (Keras 3's equations, ``t = iterations + 1``)::

        m ← m + (g − m)(1 − β1);   v ← v + (g² − v)(1 − β2);   (amsgrad: v̂ ← max(v̂, v))
        α = lr·sqrt(1 − β2ᵗ)/(1 − β1ᵗ);   w ← w − α·m/(sqrt(v) + ε)

    ε is "epsilon hat" (outside the square root, not bias-corrected).

    >>> import tapeflow as tf
    >>> w = tf.Variable([1.0, 2.0, 3.0, 4.0])
    >>> tf.keras.optimizers.Adam(0.5).apply([tf.constant([1.0, 6.0, 7.0, 2.0])], [w])
    >>> w.numpy().round(4)
    array([0.5, 1.5, 2.5, 3.5], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name='adam', **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = (
            float(beta_1), float(beta_2), float(epsilon), amsgrad)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities, self._velocity_hats = [], [], []
        for v in self._trainable_variables:
            self._momentums.append(self.add_variable_from_reference(v, "momentum"))
            self._velocities.append(self.add_variable_from_reference(v, "velocity"))
            if self.amsgrad:
                self._velocity_hats.append(self.add_variable_from_reference(v, "velocity_hat"))

    def _update_numpy(self, index, g, variable, lr, step):
        b1, b2 = self.beta_1, self.beta_2
        alpha = lr * _math.sqrt(1.0 - b2 ** step) / (1.0 - b1 ** step)
        w = variable._inplace_value()
        tmp = self._scratch_for(index, w)
        m = self._momentums[index]._inplace_value()
        v = self._velocities[index]._inplace_value()
        np.subtract(g, m, out=tmp)
        tmp *= 1.0 - b1
        m += tmp
        np.multiply(g, g, out=tmp)
        tmp -= v
        tmp *= 1.0 - b2
        v += tmp
        if self.amsgrad:
            v_hat = self._velocity_hats[index]._inplace_value()
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.divide(m, tmp, out=tmp)
        tmp *= alpha
        w -= tmp

    update_step = Optimizer._public_update_step

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config
