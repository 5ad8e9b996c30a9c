"""RMSprop (Hinton), optionally centered and with momentum."""
from ...backend import np
from .base import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """Root-mean-square propagation (Keras 3's equations)::

        v ← ρv + (1 − ρ)g²;   centered: ḡ ← ρḡ + (1 − ρ)g, den = v − ḡ² + ε, else den = v + ε
        inc = lr·g/sqrt(den);   momentum > 0: mom ← momentum·mom + inc, w ← w − mom
        else w ← w − inc

    >>> import tapeflow as tf
    >>> w = tf.Variable([1.0, 2.0, 3.0, 4.0])
    >>> tf.keras.optimizers.RMSprop(0.5).apply([tf.constant([1.0, 6.0, 7.0, 2.0])], [w])
    >>> w.numpy().round(4)
    array([-0.5811,  0.4189,  1.4189,  2.4189], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name='rmsprop', **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = (
            float(rho), float(momentum), float(epsilon), centered)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities, self._momentums, self._average_gradients = [], [], []
        for v in self._trainable_variables:
            self._velocities.append(self.add_variable_from_reference(v, "velocity"))
            if self.momentum > 0:
                self._momentums.append(self.add_variable_from_reference(v, "momentum"))
            if self.centered:
                self._average_gradients.append(
                    self.add_variable_from_reference(v, "average_gradient"))

    def _update_numpy(self, index, g, variable, lr, step):
        rho = self.rho
        w = variable._inplace_value()
        tmp = self._scratch_for(index, w)
        v = self._velocities[index]._inplace_value()
        v *= rho
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - rho
        v += tmp
        if self.centered:
            avg = self._average_gradients[index]._inplace_value()
            avg *= rho
            np.multiply(g, 1.0 - rho, out=tmp)
            avg += tmp
            np.multiply(avg, avg, out=tmp)
            np.subtract(v, tmp, out=tmp)
            tmp += self.epsilon
        else:
            np.add(v, self.epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(g, tmp, out=tmp)
        tmp *= lr
        if self.momentum > 0:
            mom = self._momentums[index]._inplace_value()
            mom *= self.momentum
            mom += tmp
            w -= mom
        else:
            w -= tmp

    update_step = Optimizer._public_update_step

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
