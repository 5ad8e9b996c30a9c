"""The Keras 3 optimizer base: ``build`` on a variable list, then ``apply`` per step.

``apply(grads, variables)`` follows Keras 3's order exactly:

1. no gradients at all: return without counting a step;
2. the first call builds the optimizer on that exact variable list (slots created then);
   later calls may only use those variables (``Unknown variable`` ValueError);
3. ``None`` gradients are dropped with a warning naming their variables (all ``None``:
   ValueError);
4. gradients divided by ``loss_scale_factor``; with ``gradient_accumulation_steps=N``
   they are summed instead, and only every N-th call goes on, with their mean;
5. clipped (``clipnorm``, ``global_clipnorm`` or ``clipvalue``); 6. decoupled weight decay
   ``w -= w·wd·lr``; 7. ``update_step`` per variable with the learning rate for this step
   (a schedule is evaluated at ``iterations`` before the increment); 8. variable
   constraints; 9. EMA; 10. ``iterations += 1`` (on every call).

The built-in optimizers update NumPy arrays in place (``out=`` ufuncs on their own slot
arrays and on ``variable._inplace_value()``, which copies first if a tape or a user still
holds the old value), with Python-float hyperparameters: a step costs what the arithmetic
costs. A custom subclass may instead override ``update_step(gradient, variable,
learning_rate)`` written with tapeflow ops and ``self.assign*``, as in Keras.
"""
import re
import warnings

from ...backend import np
from ...tensor import IndexedSlices, Tensor, Variable, _wrap
from ..backend import snake_case
from ..variables import KerasVariable
from . import schedules as _schedules

__all__ = ["Optimizer"]


def _is_float(value):
    if isinstance(value, (bool, int, np.integer)):
        return False
    if isinstance(value, (float, np.floating)):
        return True
    if isinstance(value, (Tensor, Variable)):
        return value._value.dtype.kind == "f" and value._value.ndim == 0
    return False


def _dense_gradient(g, dtype, shape):
    """A gradient (Tensor, IndexedSlices, array) as an ndarray of the variable's dtype."""
    if type(g) is Tensor:
        arr = g._value
    elif isinstance(g, IndexedSlices):
        arr = np.zeros(shape, dtype)
        np.add.at(arr, np.asarray(g.indices._value), np.asarray(g.values._value, dtype))
        return arr
    elif isinstance(g, (Tensor, Variable)):
        arr = g._value
    else:
        arr = np.asarray(g)
    if arr.dtype != dtype:
        arr = np.asarray(arr, dtype)
    return arr


class Optimizer:
    """Base class of all optimizers (see the module docstring for the step order).

    Args:
        learning_rate: a float, a ``LearningRateSchedule``, or a zero-argument callable.
        weight_decay: decoupled weight decay factor, or None.
        clipnorm / clipvalue / global_clipnorm: gradient clipping (at most one).
        use_ema, ema_momentum, ema_overwrite_frequency: keep an exponential moving average
            of the weights (copied into the model by ``finalize_variable_values``).
        loss_scale_factor: gradients are divided by it (``scale_loss`` multiplies).
        gradient_accumulation_steps: update only every N calls, with the mean gradient.
        name: the optimizer's name.

    >>> import tapeflow as tf
    >>> w = tf.Variable([1.0, 2.0])
    >>> opt = tf.keras.optimizers.SGD(learning_rate=0.5)
    >>> _ = opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    >>> w.numpy(), int(opt.iterations)
    (array([0.5, 1.5], dtype=float32), 1)
    """

    def __init__(self, learning_rate,
                 weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if "lr" in kwargs:
            warnings.warn("The `lr` argument is deprecated, use `learning_rate` instead.",
                          DeprecationWarning, stacklevel=3)
            learning_rate = kwargs.pop("lr")
        if "decay" in kwargs:
            kwargs.pop("decay")
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          stacklevel=3)
        if kwargs:
            raise ValueError("Argument(s) not recognized: %s" % (kwargs,))
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                             "set. Received: clipnorm=%s, clipvalue=%s, global_clipnorm=%s"
                             % (clipnorm, clipvalue, global_clipnorm))
        if gradient_accumulation_steps is not None and (
                not isinstance(gradient_accumulation_steps, int)
                or gradient_accumulation_steps < 2):
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             "gradient_accumulation_steps=%r" % (gradient_accumulation_steps,))
        if use_ema and not 0.0 <= ema_momentum <= 1.0:
            raise ValueError("`ema_momentum` must be in the range [0, 1]. Received: "
                             "ema_momentum=%s" % (ema_momentum,))
        self.name = name or snake_case(type(self).__name__)
        self.weight_decay = None if weight_decay is None else float(weight_decay)
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.use_ema, self.ema_momentum = use_ema, ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._accumulators = []
        self.built = False
        self._iterations = KerasVariable(np.array(0, np.int64), name="iteration",
                                         trainable=False, dtype="int64")
        self._variables = [self._iterations]
        self._learning_rate_var = None
        self._learning_rate = self._build_learning_rate(learning_rate)
        self._trainable_variables = []
        self._index = {}
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._decay_flags = []
        self._averages = []
        self._scratch = []

    # -- learning rate ---------------------------------------------------------------------
    def _build_learning_rate(self, learning_rate):
        if isinstance(learning_rate, _schedules.LearningRateSchedule):
            return learning_rate
        if _is_float(learning_rate):
            var = KerasVariable(np.array(float(learning_rate), np.float32), name="learning_rate",
                                trainable=False, dtype="float32")
            self._learning_rate_var = var
            self._variables.append(var)
            return var
        if callable(learning_rate):
            return learning_rate
        raise ValueError("Argument `learning_rate` should be float, or an instance of "
                         "LearningRateSchedule, or a callable (that takes in the current "
                         "iteration value and returns the corresponding learning rate value). "
                         "Received instead: learning_rate=%r" % (learning_rate,))

    @property
    def learning_rate(self):
        """The rate of the next step: the variable, or the schedule's value at ``iterations``."""
        lr = self._learning_rate
        if lr is self._learning_rate_var:
            return lr
        if isinstance(lr, _schedules.LearningRateSchedule):
            return _to_lr_tensor(lr(self._iterations))
        return _to_lr_tensor(lr())

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(self._learning_rate, _schedules.LearningRateSchedule) or (
                self._learning_rate_var is None):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as "
                            "its `learning_rate` constructor argument, hence its learning rate "
                            "is not settable. If you need the learning rate to be settable, you "
                            "should instantiate the optimizer with a float `learning_rate` "
                            "argument.")
        if isinstance(value, _schedules.LearningRateSchedule) or (
                callable(value) and not isinstance(value, (Tensor, Variable))):
            self._variables.remove(self._learning_rate_var)
            self._learning_rate_var = None
            self._learning_rate = value
            return
        self._learning_rate_var.assign(np.float32(float(value)))

    lr = learning_rate   # tf.keras 2's name

    def _current_learning_rate(self):
        """This step's learning rate as a Python float."""
        var = self._learning_rate_var
        if var is not None:
            return float(var._value)
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            return float(np.asarray(_value_of(lr(int(self._iterations._value)))))
        return float(np.asarray(_value_of(lr())))

    # -- state -----------------------------------------------------------------------------
    @property
    def iterations(self):
        """The number of steps taken so far (an int64 variable)."""
        return self._iterations

    @property
    def variables(self):
        """``[iterations, learning_rate (if a float), *slot variables]``."""
        return list(self._variables)

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None):
        """Creates a non-trainable optimizer variable and tracks it in ``variables``."""
        from .. import initializers
        init = initializers.get(initializer)
        var = KerasVariable(init(tuple(shape), dtype=dtype or "float32"), name=name or "variable",
                            trainable=False)
        self._variables.append(var)
        return var

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A slot shaped like ``reference_variable``, named ``<its path>_<name>``."""
        path = getattr(reference_variable, "path", None) or reference_variable._name
        from .. import initializers
        init = initializers.get(initializer)
        value = init(tuple(reference_variable.shape), dtype=reference_variable.dtype)
        var = KerasVariable(np.array(value._value), trainable=False,
                            name="%s_%s" % (path.replace("/", "_"), name))
        self._variables.append(var)
        return var

    def build(self, var_list):
        """Records the variables this optimizer updates and creates its slots."""
        if self.built:
            return
        for var in var_list:
            if id(var) not in self._index:
                self._index[id(var)] = len(self._trainable_variables)
                self._trainable_variables.append(var)
        self._decay_flags = [self._use_weight_decay(v) for v in self._trainable_variables]
        self._scratch = [None] * len(self._trainable_variables)
        if self.use_ema:
            self._averages = [self.add_variable_from_reference(v, "average")
                              for v in self._trainable_variables]
        if self.gradient_accumulation_steps:
            self._accumulators = [self.add_variable_from_reference(v, "gradient_accumulator")
                                  for v in self._trainable_variables]
        self.built = True

    def _scratch_for(self, index, w):
        buf = self._scratch[index]
        if buf is None or buf.shape != w.shape or buf.dtype != w.dtype:
            buf = self._scratch[index] = np.empty_like(w)
        return buf

    # -- weight decay ----------------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempts variables (by object, or by a substring of their name) from weight decay."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        if var_list:
            self._exclude_ids = {id(v) for v in var_list}
        if var_names:
            self._exclude_pattern = "|".join(re.escape(n) for n in set(var_names))

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None and re.search(
                self._exclude_pattern, getattr(variable, "name", "")) is not None:
            return False
        return True

    # -- applying gradients ----------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Applies ``(gradient, variable)`` pairs; returns ``iterations``."""
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        grads, variables = zip(*pairs)
        self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """One optimization step (see the module docstring for the exact order)."""
        if type(grads) not in (list, tuple):
            grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first.")
            if len(grads) != len(self._trainable_variables):
                raise ValueError("When passing `grads` without `variables`, there must be one "
                                 "gradient per variable the optimizer was built with: got %d "
                                 "gradients for %d variables." % (
                                     len(grads), len(self._trainable_variables)))
            trainable_variables = self._trainable_variables
        else:
            if type(trainable_variables) not in (list, tuple):
                trainable_variables = list(trainable_variables)
            if len(grads) != len(trainable_variables):
                raise ValueError("Got %d gradients for %d variables: pass one gradient per "
                                 "variable." % (len(grads), len(trainable_variables)))
            if not self.built:
                self.build(trainable_variables)
        index = self._index
        kept = []
        missing = None
        for g, v in zip(grads, trainable_variables):
            i = index.get(id(v))
            if i is None:
                raise ValueError("Unknown variable: %r. This optimizer can only be called for the "
                                 "variables it was originally built with. When working with a new "
                                 "set of variables, you should recreate a new optimizer instance."
                                 % (v,))
            if g is None:
                missing = (missing or []) + [v]
                continue
            arr = g._value if type(g) is Tensor else None
            if arr is None or arr.dtype != v._value.dtype:
                arr = _dense_gradient(g, v._value.dtype, v._value.shape)
            kept.append((i, arr, v))
        if missing:
            if not kept:
                raise ValueError("No gradients provided for any variable.")
            warnings.warn("Gradients do not exist for variables %s when minimizing the loss. If "
                          "using `model.compile()`, did you forget to provide a `loss` argument?"
                          % ([getattr(v, "path", v.name) for v in missing],), stacklevel=3)
        step = int(self._iterations._value) + 1
        if self.gradient_accumulation_steps:
            kept = self._accumulate(kept, step)
            if kept is None:     # not an update step: only the counter moves
                self._iterations._set(np.array(step, np.int64))
                return
        if self.loss_scale_factor is not None or (
                self.clipnorm or self.global_clipnorm or self.clipvalue):
            kept = self._scaled_and_clipped(kept)
        lr = self._current_learning_rate()
        decay = self.weight_decay * lr if self.weight_decay else 0.0
        flags = self._decay_flags
        update = self._update_numpy
        # Decay, update and constraint touch one variable each, so doing all three per
        # variable equals Keras's decay-all, update-all, constrain-all order.
        for i, g, v in kept:
            if decay and flags[i]:
                w = v._inplace_value()
                scratch = self._scratch_for(i, w)
                np.multiply(w, decay, out=scratch)
                w -= scratch
            update(i, g, v, lr, step)
            if v.constraint is not None:
                v.assign(v.constraint(v._read()))
        if self.use_ema:
            self._update_averages(step)
        self._iterations._set(np.array(step, np.int64))

    def _accumulate(self, kept, step):
        """Adds the gradients to the accumulators; on every N-th step returns their mean
        (and clears them), otherwise None. As in Keras, ``iterations`` counts every call."""
        accumulators = self._accumulators
        if step % self.gradient_accumulation_steps:
            for i, g, _ in kept:
                acc = accumulators[i]._inplace_value()
                acc += g
            return None
        out = []
        for i, g, v in kept:
            acc = accumulators[i]._inplace_value()
            out.append((i, (g + acc) / self.gradient_accumulation_steps, v))
            acc[...] = 0
        return out

    def _scaled_and_clipped(self, kept):
        arrays = [g for _, g, _ in kept]
        if self.loss_scale_factor is not None:
            arrays = [np.asarray(a / self.loss_scale_factor, a.dtype) for a in arrays]
        if self.clipnorm or self.global_clipnorm or self.clipvalue:
            arrays = self._clip_gradients(arrays)
        return [(i, a, v) for (i, _, v), a in zip(kept, arrays)]

    def _update_numpy(self, index, gradient, variable, learning_rate, step):
        """One variable's update on arrays; the default defers to ``update_step``."""
        self.update_step(_wrap(gradient), variable, _wrap(np.float32(learning_rate)))

    def update_step(self, gradient, variable, learning_rate):
        """Override to define a custom optimizer with tapeflow ops and ``self.assign*``."""
        raise NotImplementedError("%s must implement update_step(gradient, variable, "
                                  "learning_rate)." % type(self).__name__)

    def _public_update_step(self, gradient, variable, learning_rate):
        """``update_step`` of the built-in optimizers: their array update on Tensors."""
        index = self._index[id(variable)]
        g = _dense_gradient(gradient, variable._value.dtype, variable._value.shape)
        self._update_numpy(index, g, variable, float(np.asarray(_value_of(learning_rate))),
                           int(self._iterations._value) + 1)

    def assign(self, variable, value):
        variable.assign(value)

    def assign_add(self, variable, value):
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        variable.assign_sub(value)

    # -- clipping --------------------------------------------------------------------------
    def _clip_gradients(self, grads):
        """Clipped copies of the gradient arrays (the originals are never modified)."""
        grads = [np.asarray(_value_of(g)) for g in grads]
        if self.clipnorm and self.clipnorm > 0:
            c = float(self.clipnorm)
            out = []
            for g in grads:
                norm = float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))
                out.append(g * (c / max(norm, c)) if norm > 0 else g.copy())
            return [np.asarray(o, g.dtype) for o, g in zip(out, grads)]
        if self.global_clipnorm and self.global_clipnorm > 0:
            c = float(self.global_clipnorm)
            total = float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64)))
                                      for g in grads)))
            # An infinite or NaN norm makes every gradient NaN, as Keras does.
            scale = c * min(1.0 / total, 1.0 / c) if total > 0 else 1.0
            if not np.isfinite(total):
                scale = float("nan")
            return [np.asarray(g * scale, g.dtype) for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            v = float(self.clipvalue)
            return [np.clip(g, -v, v).astype(g.dtype, copy=False) for g in grads]
        return grads

    # -- moving averages -------------------------------------------------------------------
    def _update_averages(self, step):
        momentum = 0.0 if step == 1 else self.ema_momentum
        for v, avg in zip(self._trainable_variables, self._averages):
            a = avg._inplace_value()
            a *= momentum
            a += (1.0 - momentum) * v._value
        freq = self.ema_overwrite_frequency
        if freq and step % freq == 0:
            self.finalize_variable_values(self._trainable_variables)

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, copies the moving averages into the variables."""
        if self.use_ema:
            for v in var_list:
                i = self._index.get(id(v))
                if i is not None:
                    v.assign(self._averages[i]._value.copy())

    # -- minimize, loss scaling ------------------------------------------------------------
    def minimize(self, loss, var_list, tape=None):
        """Computes gradients of ``loss`` and applies them; returns ``iterations``.

        ``loss`` is a zero-argument callable, or a Tensor computed under ``tape``.

        >>> import tapeflow as tf
        >>> v = tf.Variable(1.0)
        >>> _ = tf.keras.optimizers.SGD(0.1).minimize(lambda: v * v, [v])
        >>> round(float(v), 4)
        0.8
        """
        from ...tape import GradientTape
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        if callable(loss):
            with GradientTape() as tape:
                tape.watch(var_list)
                loss_value = loss()
        else:
            if tape is None:
                raise ValueError("`tape` is required when a `Tensor` loss is passed. Received: "
                                 "loss=%r, tape=None." % (loss,))
            loss_value = loss
        grads = tape.gradient(loss_value, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def scale_loss(self, loss):
        """``loss · loss_scale_factor`` (unchanged when there is no factor)."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    # -- config ----------------------------------------------------------------------------
    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            lr = _schedules.serialize(lr)
        elif lr is self._learning_rate_var:
            lr = float(lr._value)
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"],
                                                             custom_objects)
        return cls(**config)

    def __repr__(self):
        return "<%s name=%s>" % (type(self).__name__, self.name)


def _value_of(x):
    if isinstance(x, (Tensor, Variable)):
        return x._value
    return x


def _to_lr_tensor(value):
    if isinstance(value, Tensor):
        return value
    return _wrap(np.float32(float(np.asarray(_value_of(value)))))
