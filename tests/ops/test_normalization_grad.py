"""Finite-difference gradient checks of batch normalisation."""
import tapeflow as tf
from gradcheck import check_grad, check_second_order, rand
from tapeflow.ops.normalization import fused_batch_norm_train

GRAD_COVERED = {"FusedBatchNorm"}


def test_fused_batch_norm_grad_all_outputs():
    # y, mean and variance all enter the projection, so gμ and gσ² paths are checked too.
    check_grad(lambda x, s, b: fused_batch_norm_train(x, s, b, (0, 1, 2), 1e-3),
               rand(3, 2, 2, 4), rand(4, low=0.5), rand(4))


def test_fused_batch_norm_grad_of_output_only():
    check_grad(lambda x, s, b: fused_batch_norm_train(x, s, b, (0,), 1e-3)[0],
               rand(5, 3), rand(3, low=0.5), rand(3))


def test_fused_batch_norm_second_order():
    check_second_order(lambda x, s: fused_batch_norm_train(x, s, 0.0, (0,), 1e-3)[0] ** 2,
                       rand(4, 2), rand(2, low=0.5))


def test_batch_normalization_composite_grad():
    check_grad(lambda x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3),
               rand(4, 3), rand(3), rand(3, low=0.5), rand(3), rand(3))
