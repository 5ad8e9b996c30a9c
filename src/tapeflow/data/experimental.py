"""``tf.data.experimental``: the CSV reader and the constants TF also exports here."""
from .csv_reader import make_csv_dataset
from .dataset import AUTOTUNE, INFINITE as INFINITE_CARDINALITY, UNKNOWN as UNKNOWN_CARDINALITY

__all__ = ["make_csv_dataset", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY",
           "cardinality"]


def cardinality(dataset):
    """``dataset.cardinality()`` (the TF 2.2 spelling)."""
    return dataset.cardinality()
