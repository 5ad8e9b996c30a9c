"""Finite-difference gradient checks for the linear-algebra primitives (ops/linalg.py)."""
import numpy as np
import pytest

import tapeflow as tf
from gradcheck import check_float32, check_grad, check_second_order, rand

GRAD_COVERED = {"MatMul", "Einsum", "MatrixInverse", "MatrixDeterminant", "MatrixSolve",
                "MatrixDiag", "MatrixDiagPart"}


def _well_conditioned(*batch, n=3):
    return rand(*batch, n, n, low=-0.5, high=0.5) + 2.0 * np.eye(n)


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_matmul_grad(ta, tb):
    a = rand(3, 2) if ta else rand(2, 3)
    b = rand(4, 3) if tb else rand(3, 4)
    check_grad(lambda a, b: tf.matmul(a, b, transpose_a=ta, transpose_b=tb), a, b, order=2)


@pytest.mark.parametrize("sa,sb", [((2, 2, 3), (2, 3, 4)), ((2, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)),
                                   ((1, 2, 3), (4, 3, 2))], ids=str)
def test_batched_broadcast_matmul_grad(sa, sb):
    check_grad(tf.matmul, rand(*sa), rand(*sb), order=2)


def test_matmul_operator_and_matvec_grad():
    check_grad(lambda a, b: a @ b, rand(2, 3), rand(3, 2))
    check_grad(tf.linalg.matvec, rand(2, 3), rand(3), order=2)


@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij,ij->i", [(2, 3), (2, 3)]),
    ("ijk->k", [(2, 3, 4)]),
    ("...ij,jk->...ik", [(2, 2, 3), (3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("ij,jk", [(2, 3), (3, 2)]),
    # two operands run as one matmul (ops/contraction.py) except with a diagonal
    ("bij,bkj->bik", [(2, 2, 3), (2, 4, 3)]),
    ("abc,cd->dba", [(2, 3, 4), (4, 2)]),
    ("ijk,j->i", [(2, 3, 2), (3,)]),
    ("ij,kl->ljki", [(2, 3), (2, 2)]),
    ("ii,ij->j", [(3, 3), (3, 2)]),
], ids=lambda v: str(v))
def test_einsum_grad(eq, shapes):
    check_grad(lambda *xs: tf.einsum(eq, *xs), *[rand(*s) for s in shapes], order=2)


@pytest.mark.parametrize("axes", [1, 2, 0, [[0], [1]], [[1, 0], [0, 1]]], ids=str)
def test_tensordot_grad(axes):
    shapes = {1: ((2, 3), (3, 4)), 2: ((2, 3, 4), (3, 4, 2)), 0: ((2,), (3,)),
              str([[0], [1]]): ((3, 2), (4, 3)), str([[1, 0], [0, 1]]): ((2, 3), (3, 2))}
    sa, sb = shapes[axes if isinstance(axes, int) else str(axes)]
    check_grad(lambda a, b: tf.tensordot(a, b, axes), rand(*sa), rand(*sb))


def test_inv_det_solve_grad():
    check_grad(tf.linalg.inv, _well_conditioned(), order=2)
    check_grad(tf.linalg.inv, _well_conditioned(2))
    check_grad(tf.linalg.det, _well_conditioned(), order=2)
    check_grad(tf.linalg.det, _well_conditioned(2))
    check_grad(tf.linalg.solve, _well_conditioned(), rand(3, 2), order=2)
    check_grad(lambda a, b: tf.linalg.solve(a, b, adjoint=True), _well_conditioned(2), rand(2, 3, 1))


def test_diag_trace_grad():
    check_grad(tf.linalg.diag, rand(3), order=2)
    check_grad(tf.linalg.diag, rand(2, 3))
    check_grad(tf.linalg.diag_part, rand(3, 3), order=2)
    check_grad(tf.linalg.diag_part, rand(2, 3, 4))
    check_grad(tf.linalg.trace, rand(2, 3, 3))


def test_norms_grad():
    check_grad(tf.norm, rand(2, 3), order=2)
    check_grad(lambda x: tf.norm(x, axis=1, keepdims=True), rand(2, 3))
    check_grad(lambda x: tf.norm(x, ord=1, axis=0), rand(2, 3, away_from=(0.0,)))
    check_grad(lambda x: tf.norm(x, ord=np.inf), rand(4) * 0 + np.array([0.1, -2.0, 0.5, 1.0]))
    check_grad(lambda x: tf.norm(x, ord=3), rand(2, 3, away_from=(0.0,)))
    check_grad(lambda x: tf.math.l2_normalize(x, axis=-1), rand(2, 3), order=2)


def test_linalg_float32():
    check_float32(lambda a, b: tf.matmul(a, b) + tf.einsum("ij,jk->ik", a, b), rand(2, 3),
                  rand(3, 2))
    check_float32(lambda a: tf.linalg.inv(a) + tf.linalg.det(a), _well_conditioned())
    check_second_order(lambda a, b: tf.reduce_sum(tf.matmul(a, b) ** 2), rand(2, 3), rand(3, 2))
