"""``tf.keras.optimizers.schedules``: learning rates as a function of the step.

An optimizer calls its schedule with ``step = optimizer.iterations`` before incrementing it,
so the first update uses ``schedule(0)``. Schedules compute in Python floats (they run once
per training step) and return a float32 scalar Tensor.

>>> import tapeflow as tf
>>> s = tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> round(float(s(10)), 6), round(float(s(20)), 6)
(0.05, 0.025)
"""
import math as _math

from ...backend import np
from ...tensor import Tensor, Variable, _wrap
from .. import _lookup

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]


def _step_value(step):
    if isinstance(step, (Tensor, Variable)):
        step = step._value
    return float(step)


def _result(value):
    return _wrap(np.float32(value))


class LearningRateSchedule:
    """Base class: implement ``__call__(step)`` and ``get_config()``.

    >>> import tapeflow as tf
    >>> class Halve(tf.keras.optimizers.schedules.LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 0.1 / (1 + int(step))
    ...     def get_config(self):
    ...         return {}
    >>> opt = tf.keras.optimizers.SGD(learning_rate=Halve())
    >>> round(float(opt.learning_rate), 6)
    0.1
    """

    def __call__(self, step):
        raise NotImplementedError("Learning rate schedule '%s' must override `__call__(self, "
                                  "step)`." % type(self).__name__)

    def get_config(self):
        raise NotImplementedError("Learning rate schedule '%s' must override `get_config()` "
                                  "in order to be serializable." % type(self).__name__)

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check_decay_steps(decay_steps):
    if decay_steps <= 0:
        raise ValueError("Argument `decay_steps` must be > 0. Received: decay_steps=%s"
                         % (decay_steps,))


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate · decay_rate^(step / decay_steps)`` (floored exponent if
    ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps, self.decay_rate = decay_steps, decay_rate
        self.staircase, self.name = staircase, name

    def __call__(self, step):
        p = _step_value(step) / self.decay_steps
        if self.staircase:
            p = _math.floor(p)
        return _result(self.initial_learning_rate * self.decay_rate ** p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last boundary.

    >>> import tapeflow as tf
    >>> s = tf.keras.optimizers.schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    >>> [float(s(k)) for k in (10, 11, 21)]
    [1.0, 0.5, 0.10000000149011612]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of "
                             "values. Received: boundaries=%s of length %d, and values=%s of "
                             "length %d." % (boundaries, len(boundaries), values, len(values)))
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        s = _step_value(step)
        for boundary, value in zip(self.boundaries, self.values):
            if s <= boundary:
                return _result(value)
        return _result(self.values[-1])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(lr0 - end)·(1 - min(step, decay_steps)/decay_steps)^power + end``; with ``cycle``
    the horizon grows to the next multiple of ``decay_steps`` instead of stopping."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = (
            end_learning_rate, power, cycle, name)

    def __call__(self, step):
        s = _step_value(step)
        horizon = float(self.decay_steps)
        if self.cycle:
            horizon *= 1.0 if s == 0 else _math.ceil(s / self.decay_steps)
        else:
            s = min(s, horizon)
        fraction = 1.0 - s / horizon
        return _result((self.initial_learning_rate - self.end_learning_rate)
                       * fraction ** self.power + self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``lr0 / (1 + decay_rate · step / decay_steps)`` (floored ratio if ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = _step_value(step) / self.decay_steps
        if self.staircase:
            p = _math.floor(p)
        return _result(self.initial_learning_rate / (1.0 + self.decay_rate * p))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


def _cosine(step, decay_steps, alpha, from_lr):
    cosine = 0.5 * (1.0 + _math.cos(_math.pi * step / decay_steps))
    return from_lr * ((1.0 - alpha) * cosine + alpha)


class CosineDecay(LearningRateSchedule):
    """Cosine decay from ``initial_learning_rate`` to ``alpha·lr`` over ``decay_steps``,
    optionally after a linear warmup to ``warmup_target`` over ``warmup_steps``.

    >>> import tapeflow as tf
    >>> s = tf.keras.optimizers.schedules.CosineDecay(1.0, 10)
    >>> [round(float(s(k)), 4) for k in (0, 5, 10, 20)]
    [1.0, 0.5, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate, self.decay_steps, self.alpha = (
            initial_learning_rate, decay_steps, alpha)
        self.name, self.warmup_target, self.warmup_steps = name, warmup_target, warmup_steps

    def __call__(self, step):
        s = _step_value(step)
        if self.warmup_target is None:
            return _result(_cosine(min(s, self.decay_steps), self.decay_steps, self.alpha,
                                   self.initial_learning_rate))
        s = min(s, self.decay_steps + self.warmup_steps)
        if s < self.warmup_steps:
            delta = self.warmup_target - self.initial_learning_rate
            return _result(delta * (s / self.warmup_steps) + self.initial_learning_rate)
        return _result(_cosine(s - self.warmup_steps, self.decay_steps, self.alpha,
                               self.warmup_target))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """SGDR: cosine decay restarted every period, each period ``t_mul`` times longer and
    starting ``m_mul`` times lower (Loshchilov & Hutter, 2017)."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _check_decay_steps(first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul, self.m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def __call__(self, step):
        fraction = _step_value(step) / self.first_decay_steps
        if self.t_mul == 1.0:
            restarts = _math.floor(fraction)
            fraction -= restarts
        else:
            restarts = _math.floor(_math.log(1.0 - fraction * (1.0 - self.t_mul))
                                   / _math.log(self.t_mul))
            done = (1.0 - self.t_mul ** restarts) / (1.0 - self.t_mul)
            fraction = (fraction - done) / self.t_mul ** restarts
        m_fac = self.m_mul ** restarts
        cosine = 0.5 * m_fac * (1.0 + _math.cos(_math.pi * fraction))
        return _result(self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


_CLASSES = {c.__name__: c for c in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                     InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """``{'class_name': ..., 'config': ...}`` of a schedule."""
    return _lookup.serialize_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    return _lookup.deserialize_object(config, _CLASSES, {}, "learning rate schedule",
                                      custom_objects)
