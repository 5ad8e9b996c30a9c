"""``tf.data``: input pipelines with TensorFlow's semantics, fast on in-memory data.

    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1024).batch(64)
    for step, (xb, yb) in enumerate(ds):   # each pass is a fresh, reshuffled epoch
        ...

Design. A dataset is a chain of nodes; each node yields the elements of one pass as
nested tuples/dicts of NumPy values, and ``iter(ds)`` wraps them into Tensors at the
edge (``structure``). Speed comes from keeping in-memory data *columnar* (``plan``):

* ``from_tensor_slices`` (and ``range``) hold their components as columns and describe a
  pass as a stream of row-index chunks, not of rows;
* ``shuffle`` shuffles the index stream with TF's buffer algorithm, computed a block of
  steps at a time with a few NumPy calls (``shuffle_buffer``): exactly TF's distribution —
  a uniform permutation when the buffer holds all the data, a local shuffle otherwise;
* ``repeat``, ``take``, ``skip``, ``shard`` and ``cache`` slice or replay the index stream;
* ``batch`` cuts the index stream into batches and gathers each column with one
  ``np.take`` per group of batches; contiguous batches are zero-copy views.

So ``from_tensor_slices((x, y)).shuffle(n).batch(64)`` costs a permutation plus one
gather per column per few batches, and a ``map`` after ``batch`` runs once per batch.
Everything else (generators, files, ``map``/``filter`` before ``batch``) runs element by
element, streaming: ``map(num_parallel_calls=...)`` uses a thread pool (NumPy releases
the GIL), ``prefetch`` a background thread that runs ahead of the training step (over
in-memory batches it hands them over directly: a gather is cheaper than a thread hop).

Differences from TF: a ``map`` function runs eagerly on each element (TF traces it once
into a graph), so its Python side effects happen per element; ``element_spec`` of a
mapped dataset is read from its first element.
"""
from .dataset import AUTOTUNE, INFINITE as INFINITE_CARDINALITY, UNKNOWN as UNKNOWN_CARDINALITY
from .dataset import Dataset, Iterator
from .files import TextLineDataset
from .options import Options
from .spec import TensorSpec
from . import experimental

__all__ = ["Dataset", "Iterator", "TextLineDataset", "Options", "TensorSpec", "AUTOTUNE",
           "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "experimental"]
