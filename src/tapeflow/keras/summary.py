"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts."""
from ..backend import np

__all__ = ["print_summary"]

_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def readable_memory_size(num_bytes):
    """``2762*4`` bytes -> ``'10.79 KB'`` (1024-based, two decimals)."""
    size = float(num_bytes)
    for unit in _UNITS:
        if size < 1024 or unit == _UNITS[-1]:
            return "%.2f %s" % (size, unit)
        size /= 1024


def _count(weights):
    return int(sum(int(np.prod(v.shape)) for v in weights))


def _bytes(weights):
    return int(sum(int(np.prod(v.shape)) * v._value.dtype.itemsize for v in weights))


def _format_shape(shape):
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        return str({k: _format_shape(v) for k, v in shape.items()})
    if isinstance(shape, list) or (isinstance(shape, tuple) and shape and
                                   isinstance(shape[0], (tuple, list))):
        return "[" + ", ".join(_format_shape(s) for s in shape) + "]"
    return str(tuple(shape))


def _output_shape(layer):
    if not layer.built:
        return "?"
    shape = layer.__dict__.get("_build_output_shape")
    return _format_shape(shape)


def _params(layer):
    if not layer.built:
        return "0 (unbuilt)"
    return "{:,}".format(_count(layer.weights))


def _row(cells, widths, aligns):
    out = []
    for cell, width, align in zip(cells, widths, aligns):
        text = str(cell)
        if len(text) > width - 2:
            text = text[:width - 3] + "…"
        out.append(" " + (text.rjust(width - 2) if align == "r" else text.ljust(width - 2)) + " ")
    return "│" + "│".join(out) + "│"


def print_summary(model, line_length=None, positions=None, print_fn=None, show_trainable=False):
    """Prints the summary table with ``print_fn`` (default ``print``)."""
    print_fn = print_fn or print
    if line_length is None:
        widths = [38, 29, 17]  # Keras 3's default: an 88-character table
    else:
        inner = max(int(line_length) - 4, 30)
        widths = [int(inner * 0.46), int(inner * 0.33)]
        widths.append(inner - sum(widths))
    headers = ["Layer (type)", "Output Shape", "Param #"]
    aligns = ["l", "l", "r"]
    if show_trainable:
        widths.append(9)
        headers.append("Trainable")
        aligns.append("l")
    lines = ['Model: "%s"' % model.name]
    lines.append("┏" + "┳".join("━" * w for w in widths) + "┓")
    lines.append(_row(headers, widths, aligns).replace("│", "┃"))
    lines.append("┡" + "╇".join("━" * w for w in widths) + "┩")
    layers = model.layers
    for i, layer in enumerate(layers):
        cells = ["%s (%s)" % (layer.name, type(layer).__name__), _output_shape(layer),
                 _params(layer)]
        if show_trainable:
            cells.append("Y" if layer.trainable else "N")
        lines.append(_row(cells, widths, aligns))
        if i < len(layers) - 1:
            lines.append("├" + "┼".join("─" * w for w in widths) + "┤")
    lines.append("└" + "┴".join("─" * w for w in widths) + "┘")
    weights = model.weights
    trainable = model.trainable_weights
    trainable_ids = set(id(v) for v in trainable)
    non_trainable = [v for v in weights if id(v) not in trainable_ids]
    lines.append(" Total params: {:,} ({})".format(_count(weights), readable_memory_size(
        _bytes(weights))))
    lines.append(" Trainable params: {:,} ({})".format(_count(trainable), readable_memory_size(
        _bytes(trainable))))
    lines.append(" Non-trainable params: {:,} ({})".format(
        _count(non_trainable), readable_memory_size(_bytes(non_trainable))))
    optimizer = getattr(model, "optimizer", None)
    opt_vars = list(getattr(optimizer, "variables", None) or []) if optimizer is not None else []
    if opt_vars and getattr(optimizer, "built", True):
        lines.append(" Optimizer params: {:,} ({})".format(_count(opt_vars), readable_memory_size(
            _bytes(opt_vars))))
    for line in lines:
        print_fn(line)
