"""Forward values and errors of matmul, einsum, tensordot and tf.linalg."""
import numpy as np
import pytest

import tapeflow as tf

rng = np.random.default_rng(0)


def test_matmul_variants():
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(tf.matmul(a, b).numpy(), a @ b)
    np.testing.assert_allclose(tf.matmul(a.T, b, transpose_a=True).numpy(), a @ b)
    np.testing.assert_allclose(tf.matmul(a, b.T, transpose_b=True).numpy(), a @ b)
    np.testing.assert_allclose(tf.matmul(a, b.T, adjoint_b=True).numpy(), a @ b)
    x, y = rng.normal(size=(5, 2, 3)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(tf.matmul(x, y).numpy(), x @ y)
    np.testing.assert_allclose((tf.constant(x) @ tf.constant(y)).numpy(), x @ y)
    assert tf.matmul(tf.ones([2, 3]), tf.ones([3, 4])).dtype == tf.float32


def test_matmul_errors():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.matmul(tf.ones([2, 3]), tf.ones([4, 5]))
    assert "[2, 3]" in str(e.value) and "[4, 5]" in str(e.value)
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.matmul(tf.ones([3]), tf.ones([3, 4]))
    assert "rank" in str(e.value)
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.matmul(tf.ones([2, 3]), tf.ones([3, 4], dtype=tf.float64))
    assert "float64" in str(e.value) and "tf.cast" in str(e.value)


@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("ij->ji", [(2, 3)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("...ij,jk->...ik", [(4, 2, 3), (3, 2)]),
    ("ij,jk", [(2, 3), (3, 2)]), ("i,i->", [(3,), (3,)]), ("ba,ac->bc", [(2, 3), (3, 1)]),
], ids=str)
def test_einsum_matches_numpy(eq, shapes):
    xs = [rng.normal(size=s) for s in shapes]
    np.testing.assert_allclose(tf.einsum(eq, *xs).numpy(), np.einsum(eq, *xs), rtol=1e-12)


def test_einsum_errors():
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.einsum("ij,jk->ik", tf.ones([2, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.einsum("ijk->i", tf.ones([2, 3]))


def test_tensordot():
    a, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4, 5))
    np.testing.assert_allclose(tf.tensordot(a, b, 2).numpy(), np.tensordot(a, b, 2))
    np.testing.assert_allclose(tf.tensordot(a, b, [[1], [0]]).numpy(),
                               np.tensordot(a, b, [[1], [0]]))
    np.testing.assert_allclose(tf.tensordot(a[0, 0], b[0, 0], 0).numpy(),
                               np.multiply.outer(a[0, 0], b[0, 0]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.tensordot(a, b, [[0], [0]])


def test_inv_det_solve():
    m = rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)
    np.testing.assert_allclose(tf.linalg.inv(m).numpy(), np.linalg.inv(m), rtol=1e-10)
    np.testing.assert_allclose(tf.linalg.det(m).numpy(), np.linalg.det(m), rtol=1e-10)
    rhs = rng.normal(size=(2, 3, 2))
    np.testing.assert_allclose(tf.linalg.solve(m, rhs).numpy(), np.linalg.solve(m, rhs), rtol=1e-10)
    np.testing.assert_allclose(tf.linalg.solve(m, rhs, adjoint=True).numpy(),
                               np.linalg.solve(np.swapaxes(m, -1, -2), rhs), rtol=1e-10)
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.linalg.inv(tf.ones([2, 3]))
    assert "square" in str(e.value)
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.linalg.inv(tf.zeros([2, 2]))
    assert "invertible" in str(e.value)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.linalg.solve(m, rng.normal(size=(2, 4, 1)))


def test_diag_diag_part_trace_matvec():
    d = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(tf.linalg.diag(d).numpy(), np.stack([np.diag(r) for r in d]))
    m = rng.normal(size=(2, 3, 4))
    np.testing.assert_array_equal(tf.linalg.diag_part(m).numpy(),
                                  np.diagonal(m, axis1=-2, axis2=-1))
    np.testing.assert_allclose(tf.linalg.trace(m[:, :, :3]).numpy(),
                               np.trace(m[:, :, :3], axis1=-2, axis2=-1))
    a, v = rng.normal(size=(2, 3)), rng.normal(size=3)
    np.testing.assert_allclose(tf.linalg.matvec(a, v).numpy(), a @ v)
    assert tf.linalg.matrix_transpose(tf.ones([2, 3, 4])).shape == (2, 4, 3)


def test_norm():
    x = np.array([[3.0, -4.0], [1.0, 2.0]])
    np.testing.assert_allclose(tf.norm(x).numpy(), np.linalg.norm(x))
    np.testing.assert_allclose(tf.norm(x, axis=1).numpy(), np.linalg.norm(x, axis=1))
    np.testing.assert_allclose(tf.norm(x, ord=1, axis=0).numpy(), [4.0, 6.0])
    np.testing.assert_allclose(tf.norm(x, ord=np.inf).numpy(), 4.0)
    np.testing.assert_allclose(tf.norm(x, ord="fro", axis=[0, 1]).numpy(), np.linalg.norm(x))
    assert tf.norm(x, axis=1, keepdims=True).shape == (2, 1)
    with pytest.raises(ValueError):
        tf.norm(x, ord=-1)
