"""``tf.keras.callbacks``: hooks into ``fit``/``evaluate``/``predict``.

Order in ``fit``: ``on_train_begin``; per epoch ``on_epoch_begin``, per batch
``on_train_batch_begin``/``on_train_batch_end``, then (when validating) ``on_test_begin``,
``on_test_batch_*``, ``on_test_end``, then ``on_epoch_end``; finally ``on_train_end``.
"""
import collections
import csv
import math
import os
import warnings

from ..backend import np

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping",
           "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler", "TerminateOnNaN",
           "CSVLogger", "LambdaCallback", "RemoteMonitor", "BackupAndRestore", "TensorBoard"]


class Callback:
    """Base class: override the hooks you need. ``self.model`` and ``self.params``
    (``{'verbose', 'epochs', 'steps'}``) are set before training starts.

    >>> import tapeflow as tf
    >>> class Count(tf.keras.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print("epoch", epoch, sorted(logs))
    """

    def __init__(self):
        self.params = {}
        self._model = None
        self.validation_data = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """A backwards-compatible alias of ``on_train_batch_begin``."""

    def on_batch_end(self, batch, logs=None):
        """A backwards-compatible alias of ``on_train_batch_end``."""

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


_HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
          "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
          "on_predict_batch_end", "on_train_begin", "on_train_end", "on_test_begin",
          "on_test_end", "on_predict_begin", "on_predict_end")


def _overrides(cb, hook):
    """Whether ``cb`` does something in ``hook`` (skipping no-ops keeps the batch loop lean)."""
    if hook in getattr(cb, "__dict__", {}):
        return True
    method = getattr(type(cb), hook, None)
    if method is None:
        return hasattr(cb, hook)
    base = getattr(Callback, hook)
    if method is not base:
        return True
    alias = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}
    return hook in alias and getattr(type(cb), alias[hook]) is not getattr(Callback, alias[hook])


class CallbackList:
    """Calls each hook on every callback in order: the user's, then History, then the
    progress bar (so History records what user callbacks add to the logs)."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        self.callbacks = list(callbacks) if callbacks else []
        if add_history and not any(isinstance(c, History) for c in self.callbacks):
            self._history = History()
            self.callbacks.append(self._history)
        else:
            self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        self.model = model
        self.params = params
        for cb in self.callbacks:
            if model is not None:
                cb.set_model(model)
            cb.set_params(dict(params))
        self._active = {hook: [getattr(cb, hook) for cb in self.callbacks if _overrides(cb, hook)]
                        for hook in _HOOKS}
        if model is not None and self._history is not None:
            model.__dict__["history"] = self._history

    def append(self, callback):
        self.callbacks.append(callback)
        for hook in _HOOKS:
            if _overrides(callback, hook):
                self._active[hook].append(getattr(callback, hook))

    def set_model(self, model):
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params):
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def _call(self, hook, *args):
        for fn in self._active[hook]:
            fn(*args)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        for fn in self._active["on_train_batch_begin"]:
            fn(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        for fn in self._active["on_train_batch_end"]:
            fn(batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        for fn in self._active["on_test_batch_begin"]:
            fn(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        for fn in self._active["on_test_batch_end"]:
            fn(batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)

    def __iter__(self):
        return iter(self.callbacks)


class History(Callback):
    """Records each epoch's logs: ``history.history['loss']`` is a list of floats.

    ``fit`` adds one automatically and returns it (also ``model.history``).
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.__dict__["history"] = self


class ProgbarLogger(Callback):
    """Prints progress: a bar per epoch (``verbose=1``) or one line per epoch (``2``)."""

    def __init__(self, count_mode="steps", stateful_metrics=None):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None
        self.seen = 0
        self._in_fit = False

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _new_bar(self):
        from .utils import Progbar
        self.seen = 0
        self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step")
        self.progbar._all_stateful = True

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._new_bar()
        if self.verbose and self.epochs > 1:
            print("Epoch %d/%d" % (epoch + 1, self.epochs), flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._new_bar()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self.seen = batch + 1
            if self.verbose == 1:
                self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._finalize(logs)

    def on_predict_begin(self, logs=None):
        self._new_bar()

    def on_predict_batch_end(self, batch, logs=None):
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, None, finalize=False)

    def on_predict_end(self, logs=None):
        self._finalize(None)

    def on_epoch_end(self, epoch, logs=None):
        if self.progbar is None:
            self._new_bar()
        self._finalize(logs)

    def _finalize(self, logs):
        # An unknown step count (a dataset of unknown length) is learnt from the first
        # pass, so the last line reads "4/4" and later epochs draw a full bar, as in Keras.
        self.target = self.target or self.seen
        self.progbar.target = self.target
        self.progbar.update(self.seen, list((logs or {}).items()), finalize=True)


class _MonitorMixin:
    """Picks ``mode`` ('min'/'max'/'auto') for a monitored quantity, as Keras does."""

    def _set_mode(self, mode, monitor):
        if mode not in ("auto", "min", "max"):
            warnings.warn("%s mode %s is unknown, fallback to auto mode."
                          % (type(self).__name__, mode), stacklevel=3)
            mode = "auto"
        if mode == "auto":
            m = monitor[4:] if monitor.startswith("val_") else monitor
            mode = "max" if (m.endswith("acc") or m.endswith("accuracy") or m.startswith("auc")
                             or m.startswith("acc") or m in ("precision", "recall")) else "min"
        self.mode = mode
        self.monitor_op = np.greater if mode == "max" else np.less

    def _get_monitor_value(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn("%s is conditioned on metric `%s` which is not available. Available "
                          "metrics are: %s" % (type(self).__name__, self.monitor,
                                               ",".join(sorted(logs or {}))), stacklevel=3)
        return value


class EarlyStopping(Callback, _MonitorMixin):
    """Stops training when ``monitor`` stops improving.

    Args:
        monitor: quantity to watch (default ``'val_loss'``).
        min_delta: smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (from the name).
        baseline: a value the quantity must beat.
        restore_best_weights: restore the weights of the best epoch when stopping (also
            when training ends without stopping early, as in Keras 3).
        start_from_epoch: epochs of warm-up before monitoring starts.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self._set_mode(mode, monitor)
        if self.mode == "min":
            self.min_delta *= -1
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_weights = None
        self.best_epoch = 0

    def _is_improvement(self, value, reference):
        return bool(self.monitor_op(value - self.min_delta, reference))

    def on_epoch_end(self, epoch, logs=None):
        value = self._get_monitor_value(logs)
        if value is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(value, self.best):
            self.best = value
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print("Epoch %d: early stopping" % (self.stopped_epoch + 1))
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print("Restoring model weights from the end of the best epoch: %d."
                      % (self.best_epoch + 1))
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback, _MonitorMixin):
    """Saves the model (or its weights) after epochs (or every ``save_freq`` batches).

    Args:
        filepath: may hold ``{epoch:02d}`` and log keys such as ``{val_loss:.2f}``; ends in
            ``.keras`` (the whole model, ``model.save``) or ``.weights.h5`` /
            ``.weights.npz`` (``model.save_weights``).
        monitor / mode: the quantity deciding "best" for ``save_best_only``.
        save_best_only: save only when ``monitor`` improves.
        save_weights_only: save only the weights: the filepath must then end in
            ``.weights.h5`` or ``.weights.npz``.
        save_freq: ``'epoch'`` or a number of batches.
        initial_value_threshold: a value the first save must beat.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._set_mode(mode, monitor)
        self.best = initial_value_threshold
        self._batches_seen = 0
        self._weights_file = self.filepath.endswith((".weights.h5", ".weights.npz"))
        if save_weights_only and not self._weights_file:
            raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the "
                             "filepath provided must end in `.weights.h5` (Keras weights "
                             "format) or `.weights.npz`. Received: filepath=%s" % self.filepath)
        if not (self._weights_file or self.filepath.endswith(".keras")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format) "
                             "or, for the weights only, `.weights.h5` / `.weights.npz`. "
                             "Received: filepath=%s" % self.filepath)
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError("Unrecognized save_freq: %s. Expected save_freq are 'epoch' or "
                             "integer values" % (save_freq,))

    def on_train_begin(self, logs=None):
        if self.best is None:
            self.best = math.inf if self.mode == "min" else -math.inf

    def on_train_batch_end(self, batch, logs=None):
        if isinstance(self.save_freq, int):
            self._batches_seen += 1
            if self._batches_seen % self.save_freq == 0:
                self._save(self._epoch, logs, batch=batch)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, logs)

    def _file_path(self, epoch, logs, batch=None):
        values = dict(logs or {})
        values["epoch"] = epoch + 1
        if batch is not None:
            values["batch"] = batch + 1
        try:
            return self.filepath.format(**values)
        except KeyError as e:
            raise KeyError('Failed to format this callback filepath: "%s". Reason: %s'
                           % (self.filepath, e)) from None

    def _save(self, epoch, logs, batch=None):
        path = self._file_path(epoch, logs, batch)
        if self.save_best_only:
            value = (logs or {}).get(self.monitor)
            if value is None:
                warnings.warn("Can save best model only with %s available, skipping."
                              % self.monitor, stacklevel=2)
                return
            if not self.monitor_op(value, self.best):
                if self.verbose > 0:
                    print("\nEpoch %d: %s did not improve from %.5f"
                          % (epoch + 1, self.monitor, self.best))
                return
            if self.verbose > 0:
                print("\nEpoch %d: %s improved from %.5f to %.5f, saving model to %s"
                      % (epoch + 1, self.monitor, self.best, value, path))
            self.best = value
        elif self.verbose > 0:
            print("\nEpoch %d: saving model to %s" % (epoch + 1, path))
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self._weights_file:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


class ReduceLROnPlateau(Callback, _MonitorMixin):
    """Multiplies the learning rate by ``factor`` when ``monitor`` plateaus for ``patience``
    epochs, then waits ``cooldown`` epochs; never below ``min_lr``."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0. Received "
                             "factor=%s" % factor)
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.min_delta = min_delta
        self.cooldown = cooldown
        self.min_lr = min_lr
        self._set_mode(mode, monitor)
        self.wait = 0
        self.cooldown_counter = 0
        self.best = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.cooldown_counter = 0
        self.best = math.inf if self.mode == "min" else -math.inf

    def _improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        lr = float(np.asarray(_get_lr(self.model.optimizer)))
        logs["learning_rate"] = lr
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn("Learning rate reduction is conditioned on metric `%s` which is not "
                          "available. Available metrics are: %s"
                          % (self.monitor, ",".join(sorted(logs))), stacklevel=2)
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(value):
            self.best = value
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                if lr > self.min_lr:
                    new_lr = max(lr * self.factor, self.min_lr)
                    _set_lr(self.model.optimizer, new_lr)
                    if self.verbose > 0:
                        print("\nEpoch %d: ReduceLROnPlateau reducing learning rate to %s."
                              % (epoch + 1, new_lr))
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


def _get_lr(optimizer):
    lr = optimizer.learning_rate
    return lr.numpy() if hasattr(lr, "numpy") else lr


def _set_lr(optimizer, value):
    optimizer.learning_rate = float(value)


class LearningRateScheduler(Callback):
    """Sets the learning rate at each epoch start to ``schedule(epoch, lr)``."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = float(np.asarray(_get_lr(self.model.optimizer)))
        try:
            new_lr = self.schedule(epoch, lr)
        except TypeError:  # a one-argument schedule(epoch)
            new_lr = self.schedule(epoch)
        new_lr = float(np.asarray(new_lr))
        if not math.isfinite(new_lr):
            raise ValueError('The output of the "schedule" function should be a float. Got: %s'
                             % new_lr)
        _set_lr(self.model.optimizer, new_lr)
        if self.verbose > 0:
            print("\nEpoch %d: LearningRateScheduler setting learning rate to %s."
                  % (epoch + 1, new_lr))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(np.asarray(_get_lr(self.model.optimizer)))


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch's loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print("Batch %d: Invalid loss, terminating training" % batch)
            self.model.stop_training = True


class CSVLogger(Callback):
    """Streams each epoch's logs to a CSV file (``epoch`` first, then sorted keys)."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.writer = None
        self.file = None

    def on_train_begin(self, logs=None):
        exists = os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._header_needed = not (self.append and exists)
        self.file = open(self.filename, "a" if self.append else "w", newline="")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if self.writer is None:
            self.writer = csv.DictWriter(self.file, fieldnames=["epoch"] + self.keys,
                                         delimiter=self.sep)
            if self._header_needed:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((k, _csv_value(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.file.flush()

    def on_train_end(self, logs=None):
        if self.file is not None:
            self.file.close()
        self.file = None
        self.writer = None


def _csv_value(v):
    if isinstance(v, np.ndarray) and v.ndim > 0:
        return '"[%s]"' % ", ".join(str(x) for x in v.ravel())
    return v


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``.

    Accepts ``on_epoch_begin/end(epoch, logs)``, ``on_train_batch_begin/end(batch, logs)``
    (``on_batch_begin/end`` too), ``on_train_begin/end(logs)`` and the test/predict hooks.
    """

    def __init__(self, **kwargs):
        super().__init__()
        aliases = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}
        for name, fn in kwargs.items():
            hook = aliases.get(name, name)
            if hook not in _HOOKS:
                raise ValueError("LambdaCallback: unknown hook %r. Valid hooks: %s"
                                 % (name, ", ".join(sorted(_HOOKS + tuple(aliases)))))
            setattr(self, hook, fn)


def _unsupported(name, what):
    class _Unsupported(Callback):
        def __init__(self, *args, **kwargs):
            raise NotImplementedError("tf.keras.callbacks.%s is not supported by tapeflow (%s)."
                                      % (name, what))
    _Unsupported.__name__ = _Unsupported.__qualname__ = name
    return _Unsupported


RemoteMonitor = _unsupported("RemoteMonitor", "it needs network access")
BackupAndRestore = _unsupported("BackupAndRestore", "use ModelCheckpoint")
TensorBoard = _unsupported("TensorBoard", "use CSVLogger or History")
