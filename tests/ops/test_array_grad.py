"""Finite-difference gradient checks for the shape and indexing primitives (ops/array.py)."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_float32, check_grad, check_second_order, rand

GRAD_COVERED = {"Reshape", "BroadcastTo", "Transpose", "ConcatV2", "SplitV", "Identity",
                "StridedSlice", "StridedSliceGrad", "UnsortedSegmentSum", "GatherV2",
                "GatherV2Grad", "Tile", "PadV2", "GatherNd", "ScatterNd", "TakeAlongAxis",
                "PutAlongAxis"}


def test_reshape_expand_squeeze_grad():
    check_grad(lambda x: tf.reshape(x, [3, -1]), rand(2, 3), order=2)
    check_grad(lambda x: tf.expand_dims(x, 1), rand(2, 3))
    check_grad(lambda x: tf.squeeze(x, [0, 2]), rand(1, 3, 1))


def test_broadcast_to_transpose_identity_grad():
    check_grad(lambda x: tf.broadcast_to(x, [4, 2, 3]), rand(2, 1), order=2)
    check_grad(lambda x: tf.transpose(x, [2, 0, 1]), rand(2, 3, 4), order=2)
    check_grad(lambda x: tf.transpose(x), rand(2, 3))
    check_grad(tf.identity, rand(2, 3), order=2)


def test_concat_stack_grad():
    check_grad(lambda a, b, c: tf.concat([a, b, c], axis=1), rand(2, 1), rand(2, 3), rand(2, 2),
               order=2)
    check_grad(lambda a, b: tf.stack([a, b], axis=1), rand(2, 3), rand(2, 3))


def test_split_unstack_grad():
    check_grad(lambda x: tf.split(x, [1, 3], axis=1), rand(2, 4), order=2)
    check_grad(lambda x: tf.split(x, 2, axis=0), rand(4, 3))
    check_grad(lambda x: tf.unstack(x, axis=1), rand(2, 3))
    # only one of the pieces used: the other pieces get zero gradient
    check_grad(lambda x: tf.split(x, 3, axis=1)[1], rand(2, 3))


@pytest.mark.parametrize("key", [
    1, -1, (slice(None), 0), (Ellipsis, 1), (slice(None, None, 2),), (slice(None, None, -1), 0),
    (None, slice(1, 3)), (np.array([2, 0, 2]),), (np.array([[True, False, True, False, True]]
                                                       * 1)[0],),
    (slice(None), np.array([1, 1, 0])),
], ids=str)
def test_getitem_grad(key):
    check_grad(lambda x: x[key], rand(5, 3), order=2)


def test_getitem_with_tensor_indices_grad():
    idx = tf.constant([3, 0, 3])
    mask = tf.constant([True, False, True, True, False])
    check_grad(lambda x: x[idx], rand(5, 2))
    check_grad(lambda x: x[mask], rand(5, 2))


def test_gather_grad():
    check_grad(lambda p: tf.gather(p, [2, 0, 2]), rand(4, 3), order=2)
    check_grad(lambda p: tf.gather(p, [[1, 0], [3, 3]], axis=1), rand(2, 4, 3), order=2)
    check_grad(lambda p: tf.gather(p, [[1, 0], [2, 2]], axis=1, batch_dims=1), rand(2, 3, 2),
               order=2)


def test_unsorted_segment_sum_grad():
    check_grad(lambda d: tf.math.unsorted_segment_sum(d, [0, 2, 0, 1], 3), rand(4, 2), order=2)


def test_indexed_slices_densify_grad():
    check_grad(lambda v: tf.convert_to_tensor(tf.IndexedSlices(v, tf.constant([1, 1, 0]),
                                                               tf.constant([3, 2]))), rand(3, 2))


def test_tile_grad():
    check_grad(lambda x: tf.tile(x, [2, 3]), rand(2, 3), order=2)
    check_grad(lambda x: tf.tile(x, [1, 2, 1]), rand(2, 1, 3))


@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC"])
def test_pad_grad(mode):
    check_grad(lambda x: tf.pad(x, [[1, 2], [2, 1]], mode=mode), rand(3, 4), order=2)


def test_slice_reverse_grad():
    check_grad(lambda x: tf.slice(x, [1, 0], [2, -1]), rand(3, 4))
    check_grad(lambda x: tf.reverse(x, [0, -1]), rand(3, 4))


def test_gather_nd_scatter_nd_grad():
    idx = np.array([[1, 0], [0, 2], [1, 0]])
    check_grad(lambda p: tf.gather_nd(p, idx), rand(2, 3, 2), order=2)
    check_grad(lambda p: tf.gather_nd(p, [[1], [0]]), rand(2, 3))
    check_grad(lambda p: tf.gather_nd(p, [[[1], [0]], [[2], [2]]], batch_dims=1), rand(2, 3, 2))
    check_grad(lambda u: tf.scatter_nd(idx, u, [2, 3, 4]), rand(3, 4), order=2)


def test_boolean_mask_grad():
    check_grad(lambda x: tf.boolean_mask(x, [True, False, True]), rand(3, 2))
    check_grad(lambda x: tf.boolean_mask(x, [[True, False], [False, True], [True, True]]),
               rand(3, 2, 2))
    check_grad(lambda x: tf.boolean_mask(x, [False, True], axis=1), rand(3, 2))


def test_sort_top_k_grad():
    x = np.random.default_rng(0).permutation(12).reshape(3, 4) * 0.3
    check_grad(lambda x: tf.sort(x, axis=1), x, order=2)
    check_grad(lambda x: tf.sort(x, axis=0, direction="DESCENDING"), x)
    check_grad(lambda x: tf.math.top_k(x, k=2), x, order=2)


def test_repeat_grad():
    check_grad(lambda x: tf.repeat(x, [1, 0, 2], axis=0), rand(3, 2))


def test_array_ops_float32():
    check_float32(lambda x: tf.concat([tf.tile(x, [1, 2]), tf.pad(x, [[0, 0], [1, 1]])], 1),
                  rand(2, 3))
    check_float32(lambda x: tf.gather_nd(x, [[1, 0]]) + tf.sort(x)[0, 0], rand(2, 3))


def test_second_order_through_getitem_and_products():
    check_second_order(lambda x: x[:, 1] * x[:, 0] * tf.gather(x, [1], axis=1)[:, 0], rand(3, 2))
