"""Loss-like metrics: running means of the per-sample loss functions, and RMSE."""
from ...backend import np
from .. import losses as _losses
from .base import Mean, MeanMetricWrapper, squeeze_or_expand, to_array

__all__ = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "RootMeanSquaredError", "CosineSimilarity",
           "LogCoshError", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
           "BinaryCrossentropy", "KLDivergence", "Poisson", "Hinge", "SquaredHinge",
           "CategoricalHinge", "cosine_similarity"]


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample cosine of the angle between ``y_true`` and ``y_pred`` (1 = same direction)."""
    return -_losses.cosine_similarity(y_true, y_pred, axis=axis)


def _wrapper(class_name, fn, default_name, doc, params=()):
    """A MeanMetricWrapper subclass over ``fn`` taking ``fn``'s keyword ``params``."""

    def __init__(self, name=default_name, dtype=None, **kwargs):
        values = dict(params)
        unknown = set(kwargs) - set(values)
        if unknown:
            raise TypeError("%s got unexpected keyword arguments: %s" % (class_name,
                                                                        sorted(unknown)))
        values.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **values)
        for key, value in values.items():
            setattr(self, key, value)

    return type(class_name, (MeanMetricWrapper,),
                {"__init__": __init__, "__doc__": doc, "__module__": __name__})


MeanSquaredError = _wrapper("MeanSquaredError", _losses.mean_squared_error,
                            "mean_squared_error", "Running mean of squared errors.")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", _losses.mean_absolute_error,
                             "mean_absolute_error", "Running mean of absolute errors.")
MeanAbsolutePercentageError = _wrapper(
    "MeanAbsolutePercentageError", _losses.mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "Running mean absolute percentage error.")
MeanSquaredLogarithmicError = _wrapper(
    "MeanSquaredLogarithmicError", _losses.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "Running mean squared logarithmic error.")
CosineSimilarity = _wrapper("CosineSimilarity", cosine_similarity, "cosine_similarity",
                            "Running mean cosine similarity along ``axis``.", (("axis", -1),))
LogCoshError = _wrapper("LogCoshError", _losses.log_cosh, "logcosh",
                        "Running mean of log(cosh(error)).")
CategoricalCrossentropy = _wrapper(
    "CategoricalCrossentropy", _losses.categorical_crossentropy, "categorical_crossentropy",
    "Running mean categorical cross-entropy (arguments as the loss).",
    (("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)))
SparseCategoricalCrossentropy = _wrapper(
    "SparseCategoricalCrossentropy", _losses.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    "Running mean sparse categorical cross-entropy (arguments as the loss).",
    (("from_logits", False), ("axis", -1)))
BinaryCrossentropy = _wrapper(
    "BinaryCrossentropy", _losses.binary_crossentropy, "binary_crossentropy",
    "Running mean binary cross-entropy (arguments as the loss).",
    (("from_logits", False), ("label_smoothing", 0.0)))
KLDivergence = _wrapper("KLDivergence", _losses.kl_divergence, "kl_divergence",
                        "Running mean Kullback–Leibler divergence.")
Poisson = _wrapper("Poisson", _losses.poisson, "poisson", "Running mean Poisson loss.")
Hinge = _wrapper("Hinge", _losses.hinge, "hinge", "Running mean hinge loss.")
SquaredHinge = _wrapper("SquaredHinge", _losses.squared_hinge, "squared_hinge",
                        "Running mean squared hinge loss.")
CategoricalHinge = _wrapper("CategoricalHinge", _losses.categorical_hinge, "categorical_hinge",
                            "Running mean categorical hinge loss.")


class RootMeanSquaredError(Mean):
    """``sqrt`` of the running (weighted) mean of squared errors.

    >>> import tapeflow as tf
    >>> m = tf.keras.metrics.RootMeanSquaredError()
    >>> float(m([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_array(y_pred).astype(self.dtype, copy=False)
        y_true = to_array(y_true).astype(self.dtype, copy=False)
        y_true, y_pred = squeeze_or_expand(y_true, y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        count = self.count._value
        return self._scalar(np.sqrt(self.total._value / count) if count else 0.0)
