"""``tf.errors``: TensorFlow's exception classes.

``InvalidArgumentError`` is also a ``ValueError`` and ``NotFoundError`` also a ``LookupError``
so that code catching the built-in types keeps working.
"""

__all__ = ["OpError", "InvalidArgumentError", "NotFoundError", "OutOfRangeError",
           "UnimplementedError", "FailedPreconditionError", "ResourceExhaustedError",
           "AlreadyExistsError", "InternalError", "UnknownError", "CancelledError",
           "DeadlineExceededError", "PermissionDeniedError", "AbortedError",
           "DataLossError", "UnavailableError", "UnauthenticatedError"]


class OpError(Exception):
    """Base class of TensorFlow's runtime errors.

    Accepts either ``OpError(message)`` or TF's ``OpError(node_def, op, message)``.
    """

    def __init__(self, *args):
        if len(args) >= 3:
            node_def, op, message = args[:3]
        else:
            node_def, op, message = None, None, (args[0] if args else "")
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message


class InvalidArgumentError(OpError, ValueError):
    pass


class NotFoundError(OpError, LookupError):
    pass


class OutOfRangeError(OpError, IndexError):
    pass


class UnimplementedError(OpError, NotImplementedError):
    pass


class FailedPreconditionError(OpError):
    pass


class ResourceExhaustedError(OpError, MemoryError):
    pass


class AlreadyExistsError(OpError):
    pass


class InternalError(OpError):
    pass


class UnknownError(OpError):
    pass


class CancelledError(OpError):
    pass


class DeadlineExceededError(OpError):
    pass


class PermissionDeniedError(OpError):
    pass


class AbortedError(OpError):
    pass


class DataLossError(OpError):
    pass


class UnavailableError(OpError):
    pass


class UnauthenticatedError(OpError):
    pass
