"""What ``compile(loss=..., metrics=...)`` turns into: one loss callable and one metrics
container, resolved from objects, functions or strings.

``'accuracy'``/``'acc'`` become Binary-, Sparse-categorical- or CategoricalAccuracy from the
shapes of the first batch's targets and predictions (Keras's rule), keeping the name given.
"""
import inspect

from .. import nest
from ..backend import np
from ..ops.math import add_n as _add_n
from ..tensor import Tensor

__all__ = ["CompileLoss", "CompileMetrics"]


def _losses():
    from . import losses
    return losses


def _metrics():
    from . import metrics
    return metrics


def _resolve_loss(identifier):
    """A loss object/function -> a callable ``(y_true, y_pred, sample_weight) -> scalar``."""
    if identifier is None:
        return None
    losses = _losses()
    obj = losses.get(identifier)
    if isinstance(obj, type):
        obj = obj()
    if not inspect.isfunction(obj) and not inspect.isbuiltin(obj):
        return obj  # a Loss object: it reduces and weights itself
    return losses.LossFunctionWrapper(obj, name=getattr(obj, "__name__", None))


class CompileLoss:
    """The compiled loss: one loss, or one per output (list or dict), weighted and summed.

    ``output_names`` (a functional model's output layer names) lets a dict of losses or
    targets address a model that returns a list. With several losses, each one's
    unweighted value is also tracked as ``<output>_loss`` (``metrics``), as in Keras.
    """

    def __init__(self, loss, loss_weights=None, output_names=None):
        self.output_names = list(output_names) if output_names else None
        if isinstance(loss, dict):
            self.keys = list(loss)
            self.fns = [_resolve_loss(loss[k]) for k in self.keys]
        elif isinstance(loss, (list, tuple)):
            self.keys = None
            self.fns = [_resolve_loss(v) for v in loss]
        else:
            self.keys = None
            self.fns = [_resolve_loss(loss)]
        self.single = not isinstance(loss, (dict, list, tuple))
        if loss_weights is None:
            self.weights = [None] * len(self.fns)
        elif isinstance(loss_weights, dict):
            if self.keys is None:
                raise ValueError("`loss_weights` is a dict but `loss` is not: pass matching "
                                 "structures. Received loss_weights=%s" % (loss_weights,))
            self.weights = [loss_weights.get(k) for k in self.keys]
        elif isinstance(loss_weights, (list, tuple)):
            if len(loss_weights) != len(self.fns):
                raise ValueError("`loss_weights` has %d entries but there are %d losses."
                                 % (len(loss_weights), len(self.fns)))
            self.weights = list(loss_weights)
        else:
            self.weights = [float(loss_weights)] * len(self.fns)
        self.metrics = []
        if not self.single and sum(fn is not None for fn in self.fns) > 1:
            metrics = _metrics()
            self.metrics = [metrics.Mean(name="%s_loss" % self._term_name(i, fn))
                            for i, fn in enumerate(self.fns) if fn is not None]

    def _term_name(self, i, fn):
        if self.keys is not None:
            return self.keys[i]
        if self.output_names is not None and i < len(self.output_names):
            return self.output_names[i]
        return getattr(fn, "name", None) or "output_%d" % (i + 1)

    def _by_name(self, values):
        """A list aligned with ``output_names`` -> a dict keyed by them."""
        if isinstance(values, (list, tuple)) and self.output_names is not None \
                and len(values) == len(self.output_names):
            return dict(zip(self.output_names, values))
        return values

    def _pairs(self, y_true, y_pred):
        if self.single:
            return [(y_true, y_pred)]
        if self.keys is not None:
            y_pred, y_true = self._by_name(y_pred), self._by_name(y_true)
            if not isinstance(y_pred, dict):
                raise ValueError("The loss is a dict of %s but the model returned %s, not a dict."
                                 % (self.keys, type(y_pred).__name__))
            if not isinstance(y_true, dict):
                raise ValueError("The loss is a dict of %s: pass the targets as a dict with "
                                 "those keys (or a list in the order of the model's outputs). "
                                 "Received %s." % (self.keys, type(y_true).__name__))
            missing = [k for k, fn in zip(self.keys, self.fns)
                       if fn is not None and k not in y_true]
            if missing:
                raise KeyError("The loss has entries %s but the targets (y) have no such keys; "
                               "received keys %s." % (missing, sorted(y_true)))
            return [(y_true.get(k), y_pred[k]) for k in self.keys]
        if isinstance(y_true, dict) and self.output_names is not None:
            y_true = [y_true.get(name) for name in self.output_names]
        y_true = y_true if isinstance(y_true, (list, tuple)) else [y_true]
        y_pred = y_pred if isinstance(y_pred, (list, tuple)) else [y_pred]
        if len(y_pred) != len(self.fns) or len(y_true) != len(self.fns):
            raise ValueError("compile() was given %d losses but the model has %d outputs and "
                             "%d targets." % (len(self.fns), len(y_pred), len(y_true)))
        return list(zip(y_true, y_pred))

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.single:
            fn = self.fns[0]
            if isinstance(y_pred, (list, tuple)) and len(y_pred) == 1:
                # Model(inputs, [output]): the one loss applies to the one output
                y_pred = y_pred[0]
                y_true = _only(y_true)
                sample_weight = _only(sample_weight)
            if fn is None:
                return None
            value = fn(y_true, y_pred, sample_weight=sample_weight)
            w = self.weights[0]
            return value if w is None else value * float(w)
        terms = []
        weights = sample_weight if isinstance(sample_weight, (list, tuple, dict)) else None
        if weights is not None and self.keys is not None:
            weights = self._by_name(weights)
        trackers = iter(self.metrics)
        for i, ((yt, yp), fn, w) in enumerate(zip(self._pairs(y_true, y_pred), self.fns,
                                                  self.weights)):
            if fn is None:
                continue
            tracker = next(trackers, None)
            if yt is None:
                continue
            sw = sample_weight
            if weights is not None:
                sw = weights[self.keys[i]] if isinstance(weights, dict) else weights[i]
            value = fn(yt, yp, sample_weight=sw)
            if tracker is not None:  # the unweighted loss, averaged over samples like `loss`
                tracker.update_state(value, sample_weight=int(yp.shape[0]))
            terms.append(value if w is None else value * float(w))
        if not terms:
            return None
        return terms[0] if len(terms) == 1 else _add_n(terms)


def _only(value):
    """The element of a one-element list/tuple, else ``value`` itself."""
    return value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value


def _is_accuracy(name):
    return isinstance(name, str) and name.lower() in ("accuracy", "acc")


def _is_crossentropy(name):
    return isinstance(name, str) and name.lower() in ("crossentropy", "ce")


def _shape_kind(y_true, y_pred):
    """'binary', 'sparse' or 'categorical' from target/prediction shapes (Keras's rule)."""
    pred_shape = tuple(y_pred.shape)
    true_shape = tuple(np.shape(y_true)) if not isinstance(y_true, Tensor) else tuple(y_true.shape)
    last = pred_shape[-1] if pred_shape else 1
    if len(pred_shape) <= 1 or last == 1:
        return "binary"
    if len(true_shape) == len(pred_shape) - 1 or (
            len(true_shape) == len(pred_shape) and true_shape[-1] == 1):
        return "sparse"
    return "categorical"


def _resolve_metric(identifier, y_true, y_pred):
    metrics = _metrics()
    if _is_accuracy(identifier):
        kind = _shape_kind(y_true, y_pred)
        cls = {"binary": metrics.BinaryAccuracy, "sparse": metrics.SparseCategoricalAccuracy,
               "categorical": metrics.CategoricalAccuracy}[kind]
        return cls(name=identifier)
    if _is_crossentropy(identifier):
        kind = _shape_kind(y_true, y_pred)
        cls = {"binary": metrics.BinaryCrossentropy,
               "sparse": metrics.SparseCategoricalCrossentropy,
               "categorical": metrics.CategoricalCrossentropy}[kind]
        return cls(name=identifier)
    obj = metrics.get(identifier)
    if isinstance(obj, type):
        obj = obj()
    if not hasattr(obj, "update_state"):
        wrapper = metrics.MeanMetricWrapper
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
        obj = wrapper(obj, name=name)
    elif isinstance(identifier, str) and obj.name != identifier:
        CompileMetrics._rename(obj, identifier, replace=True)  # Keras keeps the string: "AUC"
    return obj


class CompileMetrics:
    """All compiled metrics as one metric: ``update_state(y, y_pred, sw)``; ``result()``
    returns ``{name: value}`` (``model.metrics`` lists it after the loss tracker)."""

    name = "compile_metrics"

    def __init__(self, metrics=None, weighted_metrics=None, output_names=None):
        self.output_names = list(output_names) if output_names else None
        self._spec = metrics
        self._weighted_spec = weighted_metrics
        self._metrics = None
        self._weighted = None
        self._per_output = None
        self._names = None

    @property
    def built(self):
        return self._metrics is not None

    def _flat_spec(self, spec, n_outputs, keys):
        """Per-output lists of metric identifiers."""
        if spec is None:
            return [[] for _ in range(n_outputs)]
        if isinstance(spec, dict):
            if keys is None:
                raise ValueError("`metrics` is a dict but the model's outputs are not.")
            return [_as_list(spec.get(k)) for k in keys]
        spec = list(spec) if isinstance(spec, (list, tuple)) else [spec]
        if n_outputs > 1 and spec and all(isinstance(s, (list, tuple)) or s is None for s in spec):
            return [_as_list(s) for s in spec]
        return [list(spec) for _ in range(n_outputs)]

    def build(self, y_true, y_pred):
        if isinstance(y_pred, dict):
            keys = sorted(y_pred)
            preds = [y_pred[k] for k in keys]
            trues = [y_true[k] for k in keys]
        elif isinstance(y_pred, (list, tuple)):
            keys, preds = None, list(y_pred)
            if self.output_names is not None and len(self.output_names) == len(preds):
                keys = self.output_names  # a functional model's outputs, by layer name
            trues = self._true_list(y_true)
        else:
            keys, preds, trues = None, [y_pred], [y_true]
        n = len(preds)
        plain = self._flat_spec(self._spec, n, keys)
        weighted = self._flat_spec(self._weighted_spec, n, keys)
        self._metrics, self._per_output, self._names = [], [], []
        taken = set()
        for is_weighted, spec in ((False, plain), (True, weighted)):  # Keras: plain ones first
            for i, (yt, yp) in enumerate(zip(trues, preds)):
                prefix = "" if n == 1 else ("%s_" % keys[i] if keys else "output_%d_" % (i + 1))
                for ident in spec[i]:
                    m = _resolve_metric(ident, yt, yp)
                    self._rename(m, prefix)
                    self._metrics.append(m)
                    self._per_output.append((i, is_weighted))
                    self._names.append(_unique_name(m.name, taken, is_weighted, prefix))
        self._keys = keys

    def _true_list(self, y_true):
        """Targets for list outputs: a list, or a dict keyed by the output names."""
        if isinstance(y_true, dict) and self.output_names is not None:
            return [y_true.get(name) for name in self.output_names]
        return list(y_true) if isinstance(y_true, (list, tuple)) else [y_true]

    @staticmethod
    def _rename(metric, prefix, replace=False):
        if prefix:
            name = prefix if replace else prefix + metric.name
            try:
                metric.name = name
            except AttributeError:
                metric._name = name

    @property
    def metrics(self):
        return list(self._metrics or [])

    @property
    def result_names(self):
        """The keys of ``result()``: metric names made unique as Keras does (``acc``,
        ``acc_1``; a weighted metric that collides becomes ``weighted_acc``)."""
        return list(self._names or [])

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._metrics is None:
            self.build(y_true, y_pred)
        if not self._metrics:
            return
        if len(set(i for i, _ in self._per_output)) == 1 and not isinstance(
                y_pred, (list, tuple, dict)):
            for m, (_, weighted) in zip(self._metrics, self._per_output):
                m.update_state(y_true, y_pred, sample_weight=sample_weight if weighted else None)
            return
        if isinstance(y_pred, dict):
            preds = [y_pred[k] for k in self._keys]
            trues = [y_true[k] for k in self._keys]
        else:
            preds = list(y_pred)
            trues = self._true_list(y_true)
        for m, (i, weighted) in zip(self._metrics, self._per_output):
            sw = sample_weight
            if isinstance(sw, (list, tuple)):
                sw = sw[i]
            m.update_state(trues[i], preds[i], sample_weight=sw if weighted else None)

    def result(self):
        return {name: m.result() for name, m in zip(self._names or (), self._metrics or ())}

    def reset_state(self):
        for m in self._metrics or ():
            m.reset_state()

    reset_states = reset_state


def _unique_name(name, taken, is_weighted, prefix):
    if name in taken and is_weighted:
        name = prefix + "weighted_" + name[len(prefix):]
    base, index = name, 1
    while name in taken:
        name = "%s_%d" % (base, index)
        index += 1
    taken.add(name)
    return name


def _as_list(spec):
    if spec is None:
        return []
    return list(spec) if isinstance(spec, (list, tuple)) else [spec]


def flatten_logs(logs):
    """``{'loss': t, 'compile_metrics': {'acc': t}}`` -> ``{'acc': float, 'loss': float}``:
    nested dicts flattened, values as Python floats, keys sorted (Keras 3's log order,
    e.g. ``history.history`` keys ``accuracy, loss, val_accuracy, val_loss``)."""
    flat = {}
    _flatten_into(logs, flat)
    return {k: flat[k] for k in sorted(flat)}


def _flatten_into(logs, out):
    for key, value in logs.items():
        if isinstance(value, dict):
            _flatten_into(value, out)
        else:
            out[key] = _to_python(value)


def _to_python(value):
    if isinstance(value, Tensor):
        v = value._value
        return float(v) if np.ndim(v) == 0 else np.asarray(v)
    if isinstance(value, (np.generic,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return float(value) if value.ndim == 0 else value
    if isinstance(value, (list, tuple)):
        return nest.map_structure(_to_python, value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return value
