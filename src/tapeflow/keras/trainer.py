"""``compile`` / ``fit`` / ``evaluate`` / ``predict`` and the overridable steps
(``train_step``, ``test_step``, ``predict_step``), as in Keras 3.

Override ``train_step(data)`` to customise training: it receives one batch ``(x, y)`` or
``(x, y, sample_weight)`` and returns a dict of logs. ``self.compute_loss`` gives the
compiled loss plus the model's own losses; ``self.metrics`` lists the loss tracker and the
compiled metrics (tf.keras 2's ``self.compiled_loss`` / ``self.compiled_metrics`` work too).
"""
import warnings

from .. import nest
from ..backend import np
from ..ops.math import add_n as _add_n
from ..tape import GradientTape
from ..tensor import Tensor
from . import callbacks as callbacks_module
from .compile_utils import CompileLoss, CompileMetrics, flatten_logs
from .data_adapter import (make_adapter, pack_x_y_sample_weight, train_validation_split,
                           unpack_x_y_sample_weight)

__all__ = ["Trainer"]


class _LegacyCompiledLoss:
    """tf.keras 2's ``model.compiled_loss(y, y_pred, sample_weight, regularization_losses)``:
    the total loss, also recorded in the ``loss`` metric."""

    def __init__(self, model):
        self._model = model

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        model = self._model
        total = model._compile_loss(y_true, y_pred, sample_weight) \
            if model._compile_loss is not None else None
        terms = ([] if total is None else [total]) + list(regularization_losses or [])
        if not terms:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        total = terms[0] if len(terms) == 1 else _add_n(terms)
        if model._loss_tracker is not None:
            model._loss_tracker.update_state(total, sample_weight=_batch_size(y_pred))
        return total


def _loss_tracker(metrics_module):
    """``Mean(name='loss')`` with a fast path for the fit loop's (scalar loss, batch size)
    update: ``total += loss * n``, ``count += n``."""

    class LossTracker(metrics_module.Mean):
        def update_state(self, values, sample_weight=None):
            if type(sample_weight) is int and type(values) is Tensor and \
                    values._value.ndim == 0:
                self.total.assign_add(float(values._value) * sample_weight)
                self.count.assign_add(float(sample_weight))
                return
            super().update_state(values, sample_weight=sample_weight)

    return LossTracker(name="loss")


def _batch_size(structure):
    if type(structure) is Tensor:
        shape = structure._value.shape
        return int(shape[0]) if shape else 1
    for leaf in nest.flatten(structure):
        shape = getattr(leaf, "shape", None)
        if shape is not None and len(shape):
            return shape[0]
    return 1


class Trainer:
    """The training half of ``Model``: compile, fit, evaluate, predict."""

    def __init__(self):
        d = self.__dict__
        d["optimizer"] = None
        d["compiled"] = False
        d["_compile_loss"] = None
        d["_compile_metrics"] = None
        d["_loss_tracker"] = None
        d["stop_training"] = False
        d["history"] = None
        d["_run_eagerly"] = False
        d["jit_compile"] = False
        d["steps_per_execution"] = 1
        d["loss"] = None

    # -- compile --------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configures training.

        Args:
            optimizer: optimizer object or name (``'adam'``).
            loss: loss object, function or name; a list/dict for several outputs.
            loss_weights: scalar, list or dict weighting each output's loss.
            metrics: metric objects, functions or names (``'accuracy'`` picks binary,
                categorical or sparse-categorical accuracy from the data's shapes).
            weighted_metrics: metrics that take ``sample_weight``/``class_weight`` into account.
            run_eagerly / jit_compile / steps_per_execution: accepted; tapeflow is always eager.

        >>> import tapeflow as tf
        >>> model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
        >>> model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        >>> model.compiled
        True
        """
        from . import metrics as metrics_module
        from . import optimizers
        d = self.__dict__
        d["optimizer"] = optimizers.get(optimizer)
        output_names = self._output_names()
        d["_compile_loss"] = CompileLoss(loss, loss_weights, output_names) \
            if loss is not None else None
        d["_compile_metrics"] = CompileMetrics(metrics, weighted_metrics, output_names) \
            if metrics is not None or weighted_metrics is not None else None
        d["_loss_tracker"] = _loss_tracker(metrics_module) if loss is not None else None
        d["_run_eagerly"] = bool(run_eagerly)
        d["jit_compile"] = jit_compile
        d["steps_per_execution"] = steps_per_execution
        d["loss"] = loss
        d["compiled"] = True

    def _output_names(self):
        """A functional model's output layer names when it returns a list (Keras keys
        ``loss``/``metrics`` dicts and targets by them), else ``None``."""
        if not isinstance(self.__dict__.get("_outputs_struct"), (list, tuple)):
            return None
        names = []
        for kt in self.__dict__["_flat_outputs"]:
            node = getattr(kt, "_keras_history", None)
            names.append(node.layer.name if node is not None else kt._keras_layer.name)
        return names

    @property
    def run_eagerly(self):
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value):
        self.__dict__["_run_eagerly"] = bool(value)

    @property
    def compiled_loss(self):
        return _LegacyCompiledLoss(self)

    @property
    def compiled_metrics(self):
        if self._compile_metrics is None:
            self.__dict__["_compile_metrics"] = CompileMetrics()
        return self._compile_metrics

    @property
    def metrics(self):
        """The loss tracker, the compiled metrics, then metrics held by the model's layers."""
        out = []
        if self._loss_tracker is not None:
            out.append(self._loss_tracker)
        if self._compile_metrics is not None:
            out.append(self._compile_metrics)
        if self._compile_loss is not None:
            out.extend(self._compile_loss.metrics)
        seen = set(id(m) for m in out)
        for m in self._tracked_metrics():
            if id(m) not in seen:
                seen.add(id(m))
                out.append(m)
        return out

    def _tracked_metrics(self):
        """Metric objects assigned as attributes of the model or its layers (cached)."""
        version, layers, _ = self._tree()
        c = self.__dict__.get("_metrics_cache")
        if c is None or c[0] != version:
            found = [m for layer in layers for m in layer._collect()[4]]
            c = self.__dict__["_metrics_cache"] = (version, found)
        return c[1]

    @property
    def metrics_names(self):
        names = []
        for m in self.metrics:
            if isinstance(m, CompileMetrics):
                names.extend(m.result_names)
            else:
                names.append(m.name)
        return names

    def reset_metrics(self):
        """Resets the state of every metric in ``metrics``."""
        for m in self.metrics:
            m.reset_state()

    def _assert_compiled(self):
        if not self.compiled:
            raise RuntimeError("You must call `compile()` before using the model.")

    # -- losses and metrics for the steps ------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss on ``(y, y_pred)`` plus the model's own ``losses``."""
        terms = []
        if self._compile_loss is not None:
            value = self._compile_loss(y, y_pred, sample_weight)
            if value is not None:
                terms.append(value)
        terms.extend(self.losses)
        if not terms:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        if len(terms) == 1:
            return terms[0]
        dt = terms[0].dtype
        from ..ops.math import cast
        return _add_n([t if t.dtype == dt else cast(t, dt) for t in terms])

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics and returns ``get_metrics_result()``."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """``{name: value}`` of every metric (compiled metrics flattened into it)."""
        out = {}
        for m in self.metrics:
            r = m.result()
            if isinstance(r, dict):
                out.update(r)
            else:
                out[m.name] = r
        return out

    # -- the steps -------------------------------------------------------------------------
    def train_step(self, data):
        """One optimisation step on a batch; returns the logs dict."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        if self._loss_tracker is not None:
            self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        weights = self.trainable_weights
        if weights:
            grads = tape.gradient(loss, weights)
            self.optimizer.apply_gradients(zip(grads, weights))
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data):
        """Loss and metrics on a batch, without updating weights; returns the logs dict."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                 training=False)
        if self._loss_tracker is not None:
            self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """The model's outputs on a batch."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # -- fit --------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Trains the model for ``epochs`` passes over the data.

        Args:
            x, y: arrays/tensors (or lists/dicts of them), or a ``tf.data.Dataset`` /
                generator yielding ``(x, y)`` or ``(x, y, sample_weight)`` batches.
            batch_size: samples per step for arrays (default 32).
            epochs: index of the last epoch (training starts at ``initial_epoch``).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch; ``'auto'`` is 1.
            callbacks: list of ``tf.keras.callbacks.Callback``.
            validation_split: fraction of the arrays, taken from the end before shuffling,
                held out for validation.
            validation_data: ``(x_val, y_val[, sw])`` or a dataset (overrides the split).
            shuffle: reshuffle the arrays every epoch (``'batch'`` shuffles batch order).
            class_weight: ``{class_index: weight}`` applied through the sample weights.
            sample_weight: per-sample weights for the training arrays.
            initial_epoch / steps_per_epoch / validation_steps / validation_batch_size /
            validation_freq: as in Keras.

        Returns:
            A ``History`` whose ``history`` dict holds one value per epoch for ``loss``,
            each metric, and their ``val_`` counterparts.
        """
        self._assert_compiled()
        if validation_split and validation_data is None:
            if _is_iterable_data(x):
                raise ValueError("`validation_split` is only supported for Tensors or NumPy "
                                 "arrays, found following types in the input: %s" % type(x))
            (x, y, sample_weight), validation_data = train_validation_split(
                (x, y, sample_weight), validation_split)
        train = make_adapter(x, y, sample_weight, batch_size=batch_size, steps=steps_per_epoch,
                             steps_name="steps_per_epoch",
                             shuffle=shuffle, class_weight=class_weight)
        val = None
        if validation_data is not None:
            if _is_iterable_data(validation_data):
                vx, vy, vsw = validation_data, None, None
            else:
                vx, vy, vsw = unpack_x_y_sample_weight(validation_data)
            val = make_adapter(vx, vy, vsw, batch_size=validation_batch_size or batch_size,
                               steps_name="validation_steps",
                               steps=validation_steps, shuffle=False)
        verbose = _verbose(verbose)
        cbs = callbacks_module.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose,
            epochs=epochs, steps=getattr(train, "steps", None))
        self.__dict__["stop_training"] = False
        cbs.on_train_begin()
        logs = {}
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            step = -1
            for step, batch in enumerate(train):
                cbs.on_train_batch_begin(step)
                logs = flatten_logs(self.train_step(batch))
                cbs.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            if step == -1:
                warnings.warn("Your input ran out of data; interrupting training.", stacklevel=2)
                break
            epoch_logs = dict(logs)
            if val is not None and _should_validate(epoch, validation_freq):
                val_logs = self._evaluate_adapter(val, cbs)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cbs.on_train_end(epoch_logs)
        return self.history

    # -- evaluate / predict ---------------------------------------------------------------
    def _evaluate_adapter(self, adapter, cbs):
        self.reset_metrics()
        cbs.on_test_begin()
        logs = {}
        for step, batch in enumerate(adapter):
            cbs.on_test_batch_begin(step)
            logs = flatten_logs(self.test_step(batch))
            cbs.on_test_batch_end(step, logs)
        if not logs:
            logs = flatten_logs(self.get_metrics_result())
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Loss and metrics on the data, in batches.

        Returns:
            The loss alone if no metrics were compiled, else ``[loss, *metrics]`` (compile
            order); ``return_dict=True`` gives ``{name: value}``.
        """
        self._assert_compiled()
        adapter = make_adapter(x, y, sample_weight, batch_size=batch_size, steps=steps)
        verbose = _verbose(verbose)
        cbs = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=getattr(adapter, "steps", None))
        logs = self._evaluate_adapter(adapter, cbs)
        return logs if return_dict else self._ordered(logs)

    def _ordered(self, logs):
        names = [n for n in self.metrics_names if n in logs]
        names += [n for n in logs if n not in names]
        values = [logs[n] for n in names]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for ``x``, computed in batches, as NumPy arrays."""
        adapter = make_adapter(x, None, None, batch_size=batch_size, steps=steps)
        verbose = _verbose(verbose)
        cbs = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=getattr(adapter, "steps", None))
        cbs.on_predict_begin()
        outputs = []
        for step, batch in enumerate(adapter):
            cbs.on_predict_batch_begin(step)
            out = nest.map_structure(_numpy, self.predict_step(batch))
            outputs.append(out)
            cbs.on_predict_batch_end(step, {"outputs": out})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). "
                             "Please use `Model.compile(..., run_eagerly=True)`, or "
                             "`tf.config.run_functions_eagerly(True)` for more information of "
                             "where went wrong, or file a issue/bug to `tf.keras`.")
        first = outputs[0]
        if isinstance(first, np.ndarray):
            return np.concatenate(outputs, axis=0)
        flat = [nest.flatten(o) for o in outputs]
        joined = [np.concatenate([f[i] for f in flat], axis=0) for i in range(len(flat[0]))]
        return nest.pack_sequence_as(first, joined)

    # -- single batches ----------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One ``train_step`` on one batch; returns the running loss and metrics."""
        self._assert_compiled()
        adapter = make_adapter(x, y, sample_weight, batch_size=_num_rows(x),
                               class_weight=class_weight)
        logs = {}
        for batch in adapter:
            logs = flatten_logs(self.train_step(batch))
        return logs if return_dict else self._ordered(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """One ``test_step`` on one batch; returns the running loss and metrics."""
        self._assert_compiled()
        adapter = make_adapter(x, y, sample_weight, batch_size=_num_rows(x))
        logs = {}
        for batch in adapter:
            logs = flatten_logs(self.test_step(batch))
        return logs if return_dict else self._ordered(logs)

    def predict_on_batch(self, x):
        """The model's outputs on one batch, as NumPy arrays."""
        return nest.map_structure(_numpy, self.predict_step(pack_x_y_sample_weight(x)))


def _numpy(t):
    if isinstance(t, Tensor):
        return np.asarray(t._value)
    return np.asarray(t)


def _num_rows(x):
    for leaf in nest.flatten(x):
        return len(leaf)
    return 1


def _is_iterable_data(x):
    from .data_adapter import _is_array_like, _is_dataset
    return _is_dataset(x) or (hasattr(x, "__iter__") and not _is_array_like(x)) or hasattr(
        x, "__next__")


def _verbose(verbose):
    if verbose == "auto":
        return 1
    return int(verbose)


def _should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        if validation_freq < 1:
            raise ValueError("`validation_freq` must be a positive integer; received %s"
                             % validation_freq)
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq
