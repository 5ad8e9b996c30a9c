"""Finite-difference checks of the fused recurrent primitives' hand-written BPTT."""
import numpy as np
import pytest

from gradcheck import check_grad, rand
from tapeflow.ops import rnn

GRAD_COVERED = {"LSTMSequence", "GRUSequence", "SimpleRNNSequence"}

MASK = np.array([[True, True, False, True, True], [False, False, True, True, False]])


@pytest.mark.parametrize("mask", [None, MASK], ids=["unmasked", "masked"])
def test_lstm_sequence_grad(mask):
    # Outputs, final h and final c all enter the projection.
    check_grad(lambda x, h, c, w, u, b: rnn.lstm_sequence(x, h, c, w, u, b, mask),
               rand(2, 5, 3), rand(2, 4), rand(2, 4), rand(3, 16, low=-1, high=1),
               rand(4, 16, low=-1, high=1), rand(16))


@pytest.mark.parametrize("mask", [None, MASK], ids=["unmasked", "masked"])
def test_gru_sequence_grad(mask):
    check_grad(lambda x, h, w, u, b: rnn.gru_sequence(x, h, w, u, b, mask),
               rand(2, 5, 3), rand(2, 4), rand(3, 12, low=-1, high=1),
               rand(4, 12, low=-1, high=1), rand(2, 12))


@pytest.mark.parametrize("mask", [None, MASK], ids=["unmasked", "masked"])
def test_simple_rnn_sequence_grad(mask):
    check_grad(lambda x, h, w, u, b: rnn.simple_rnn_sequence(x, h, w, u, b, mask),
               rand(2, 5, 3), rand(2, 4), rand(3, 4, low=-1, high=1),
               rand(4, 4, low=-1, high=1), rand(4))
