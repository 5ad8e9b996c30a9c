"""Adadelta (Zeiler, 2012)."""
from ...backend import np
from .base import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Keras 3's equations, with ``rms(x) = sqrt(x + ε)``::

        acc_g ← ρ·acc_g + (1 − ρ)g²;   Δ = −rms(acc_Δ)·g / rms(acc_g)
        acc_Δ ← ρ·acc_Δ + (1 − ρ)Δ²;   w ← w + lr·Δ

    >>> import tapeflow as tf
    >>> w = tf.Variable([1.0, 2.0, 3.0, 4.0])
    >>> tf.keras.optimizers.Adadelta(0.5).apply([tf.constant([1.0, 6.0, 7.0, 2.0])], [w])
    >>> w.numpy().round(4)
    array([0.9993, 1.9993, 2.9993, 3.9993], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name='adadelta', **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = [], []
        for v in self._trainable_variables:
            self._accumulated_grads.append(self.add_variable_from_reference(v, "accumulated_grad"))
            self._accumulated_delta_vars.append(
                self.add_variable_from_reference(v, "accumulated_delta_var"))

    def _update_numpy(self, index, g, variable, lr, step):
        rho, eps = self.rho, self.epsilon
        w = variable._inplace_value()
        tmp = self._scratch_for(index, w)
        other = np.empty_like(w)
        acc_g = self._accumulated_grads[index]._inplace_value()
        acc_d = self._accumulated_delta_vars[index]._inplace_value()
        acc_g *= rho
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - rho
        acc_g += tmp
        np.add(acc_d, eps, out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp *= g
        np.add(acc_g, eps, out=other)
        np.sqrt(other, out=other)
        np.divide(tmp, other, out=tmp)        # tmp = −Δ
        acc_d *= rho
        np.multiply(tmp, tmp, out=other)
        other *= 1.0 - rho
        acc_d += other
        tmp *= lr
        w -= tmp

    update_step = Optimizer._public_update_step

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
