"""``tf.keras.metrics``: stateful metrics, their per-sample functions, and ``get``.

>>> import tapeflow as tf
>>> m = tf.keras.metrics.get("mae")
>>> m.name, float(m([[1.0, 2.0]], [[2.0, 2.0]]))
('mae', 0.5)
"""
from .. import _lookup
from .. import losses as _losses
from ..backend import snake_case as _snake_case
from .accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                       SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy,
                       binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
                       sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from .base import Mean, MeanMetricWrapper, Metric, Sum
from .confusion import (AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives,
                        TruePositives)
from .regression import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge,
                         CosineSimilarity, Hinge, KLDivergence, LogCoshError,
                         MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
                         MeanSquaredLogarithmicError, Poisson, RootMeanSquaredError,
                         SparseCategoricalCrossentropy, SquaredHinge, cosine_similarity)

mean_squared_error = mse = _losses.mean_squared_error
mean_absolute_error = mae = _losses.mean_absolute_error
mean_absolute_percentage_error = mape = _losses.mean_absolute_percentage_error
mean_squared_logarithmic_error = msle = _losses.mean_squared_logarithmic_error
binary_crossentropy = _losses.binary_crossentropy
categorical_crossentropy = _losses.categorical_crossentropy
sparse_categorical_crossentropy = _losses.sparse_categorical_crossentropy
kl_divergence = kld = _losses.kl_divergence
poisson = _losses.poisson
hinge = _losses.hinge
squared_hinge = _losses.squared_hinge
categorical_hinge = _losses.categorical_hinge
log_cosh = logcosh = _losses.log_cosh

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
           "SparseTopKCategoricalAccuracy", "Precision", "Recall", "AUC", "TruePositives",
           "FalsePositives", "TrueNegatives", "FalseNegatives", "MeanSquaredError",
           "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
           "RootMeanSquaredError", "CosineSimilarity", "LogCoshError", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "BinaryCrossentropy", "KLDivergence", "Poisson",
           "Hinge", "SquaredHinge", "CategoricalHinge", "get", "serialize", "deserialize"]

_CLASSES = {c.__name__: c for c in (
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, Precision, Recall, AUC,
    TruePositives, FalsePositives, TrueNegatives, FalseNegatives, MeanSquaredError,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    RootMeanSquaredError, CosineSimilarity, LogCoshError, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, BinaryCrossentropy, KLDivergence, Poisson, Hinge,
    SquaredHinge, CategoricalHinge)}
_FUNCTIONS = {f.__name__: f for f in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_squared_error,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
    kl_divergence, poisson, hinge, squared_hinge, categorical_hinge, log_cosh,
    cosine_similarity)}
_FUNCTIONS.update(acc=accuracy, mse=mse, mae=mae, mape=mape, msle=msle, kld=kld,
                  logcosh=log_cosh, MSE=mse, MAE=mae, MAPE=mape, MSLE=msle)
# Snake-case class names ("auc", "precision", "root_mean_squared_error") where no function
# has that name.
_SNAKE = {_snake_case(name): cls for name, cls in _CLASSES.items()
          if _snake_case(name) not in _FUNCTIONS}
_ALL = dict(_FUNCTIONS, **_SNAKE, **_CLASSES)


def serialize(metric):
    return _lookup.serialize_object(metric)


def deserialize(config, custom_objects=None):
    if isinstance(config, str):
        return get(config)
    return _lookup.deserialize_object(config, _CLASSES, _FUNCTIONS, "metric", custom_objects)


def get(identifier):
    """A metric from a name, a config dict, a ``Metric`` instance or class, or a function.

    A function's name (``'mae'``, ``'categorical_accuracy'``) gives a ``MeanMetricWrapper``
    of that function named by the string given (as ``compile(metrics=[...])`` names it); a
    class name (``'AUC'``, ``'Precision'``, also ``'auc'``) gives an instance. A callable
    is returned as is (wrap it in ``MeanMetricWrapper`` to make it stateful). ``None``
    gives ``None``.
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        found = _lookup.lookup(identifier, _ALL, "metric")
        if isinstance(found, type):
            return found()
        return MeanMetricWrapper(found, name=identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret metric identifier: %r." % (identifier,))
