"""Nadam: Adam with Nesterov momentum (Dozat, 2015)."""
from ...backend import np
from .base import Optimizer

__all__ = ["Nadam"]


class Nadam(Optimizer):
    """Keras 3's equations, with the momentum schedule ``u_t = β1(1 − 0.5·0.96ᵗ)`` and
    ``Π_t = u_1···u_t``::

        m ← m + (g − m)(1 − β1);   v ← v + (g² − v)(1 − β2)
        m̂ = u_{t+1}·m/(1 − Π_t·u_{t+1}) + (1 − u_t)·g/(1 − Π_t);   v̂ = v/(1 − β2ᵗ)
        w ← w − lr·m̂/(sqrt(v̂) + ε)

    >>> import tapeflow as tf
    >>> w = tf.Variable([1.0, 2.0, 3.0, 4.0])
    >>> tf.keras.optimizers.Nadam(0.5).apply([tf.constant([1.0, 6.0, 7.0, 2.0])], [w])
    >>> w.numpy().round(4)
    array([0.4686, 1.4686, 2.4686, 3.4686], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name='nadam', **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self._u_product = 1.0
        self._u_product_step = 0

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = [], []
        for v in self._trainable_variables:
            self._momentums.append(self.add_variable_from_reference(v, "momentum"))
            self._velocities.append(self.add_variable_from_reference(v, "velocity"))

    def _u(self, step):
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** step)

    def _update_numpy(self, index, g, variable, lr, step):
        if self._u_product_step != step:   # once per step, before the first variable
            self._u_product *= self._u(step)
            self._u_product_step = step
        b1, b2 = self.beta_1, self.beta_2
        u_t, u_next = self._u(step), self._u(step + 1)
        prod_t = self._u_product
        prod_next = prod_t * u_next
        w = variable._inplace_value()
        tmp = self._scratch_for(index, w)
        m_hat = np.empty_like(w)
        m = self._momentums[index]._inplace_value()
        v = self._velocities[index]._inplace_value()
        np.subtract(g, m, out=tmp)
        tmp *= 1.0 - b1
        m += tmp
        np.multiply(g, g, out=tmp)
        tmp -= v
        tmp *= 1.0 - b2
        v += tmp
        np.multiply(m, u_next / (1.0 - prod_next), out=m_hat)
        np.multiply(g, (1.0 - u_t) / (1.0 - prod_t), out=tmp)
        m_hat += tmp
        np.multiply(v, 1.0 / (1.0 - b2 ** step), out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp += self.epsilon
        np.divide(m_hat, tmp, out=tmp)
        tmp *= lr
        w -= tmp

    update_step = Optimizer._public_update_step

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
