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


def _wrap(text, width):
    """Lines of at most ``width`` characters, broken at spaces (long words are cut), as
    Keras's table renderer wraps ``batch_normalization (BatchNormalization)``."""
    lines, line = [], ""
    for word in str(text).split(" "):
        candidate = word if not line else line + " " + word
        if len(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while len(word) > width:
            lines.append(word[:width])
            word = word[width:]
        line = word
    lines.append(line)
    return lines


def _rows(cells, widths, aligns):
    """The table lines of one row (several when a cell wraps)."""
    wrapped = [_wrap(cell, width - 2) for cell, width in zip(cells, widths)]
    height = max(len(w) for w in wrapped)
    out = []
    for i in range(height):
        parts = []
        for lines, width, align in zip(wrapped, widths, aligns):
            text = lines[i] if i < len(lines) else ""
            parts.append(" " + (text.rjust(width - 2) if align == "r" else
                                text.ljust(width - 2)) + " ")
        out.append("│" + "│".join(parts) + "│")
    return out


def _connections(model):
    """``{id(layer): "dense[0][0], input_b[0][0]"}`` for a functional model whose graph
    is not a simple chain (Keras then adds a "Connected to" column), else ``None``."""
    nodes = model.__dict__.get("_nodes")
    if nodes is None:
        return None
    consumers = {}
    for node in nodes:
        for kt in node.flat_inputs:
            consumers[id(kt)] = consumers.get(id(kt), 0) + 1
    chain = len(model.inputs) == 1 and all(len(n.flat_inputs) == 1 for n in nodes) and \
        all(c == 1 for c in consumers.values())
    if chain:
        return None
    node_index, per_layer = {}, {}
    for node in nodes:
        count = per_layer.get(id(node.layer), 0)
        node_index[id(node)] = count
        per_layer[id(node.layer)] = count + 1

    def source(kt):
        node = getattr(kt, "_keras_history", None)
        if node is None:
            return "%s[0][0]" % kt._keras_layer.name
        index = next(i for i, out in enumerate(node.flat_outputs) if out is kt)
        return "%s[%d][%d]" % (node.layer.name, node_index[id(node)], index)
    out = {}
    for node in nodes:
        text = ", ".join(source(kt) for kt in node.flat_inputs)
        key = id(node.layer)
        out[key] = out[key] + ", " + text if key in out else text
    return out


def print_summary(model, line_length=None, positions=None, print_fn=None, show_trainable=False):
    """Prints the summary table with ``print_fn`` (default ``print``)."""
    print_fn = print_fn or print
    connections = _connections(model)
    if line_length is None and connections is None:
        widths = [38, 29, 17]  # Keras 3's default: an 88-character table
    elif line_length is None:
        widths = [31, 27, 18, 27]  # with "Connected to": 108 characters
    else:
        inner = max(int(line_length) - 4, 30)
        widths = [int(inner * 0.46), int(inner * 0.33)]
        widths.append(inner - sum(widths))
        if connections is not None:
            widths = [int(w * 0.75) for w in widths] + [inner - int(inner * 0.75)]
    headers = ["Layer (type)", "Output Shape", "Param #"]
    aligns = ["l", "l", "r"]
    if connections is not None:
        headers.append("Connected to")
        aligns.append("l")
    if show_trainable:
        widths.append(11)  # room for the whole "Trainable" header
        headers.append("Trainable")
        aligns.append("l")
    lines = ['Model: "%s"' % model.name]
    lines.append("┏" + "┳".join("━" * w for w in widths) + "┓")
    lines.extend(line.replace("│", "┃") for line in _rows(headers, widths, aligns))
    lines.append("┡" + "╇".join("━" * w for w in widths) + "┩")
    layers = model.layers
    for i, layer in enumerate(layers):
        cells = ["%s (%s)" % (layer.name, type(layer).__name__), _output_shape(layer),
                 _params(layer)]
        if connections is not None:
            cells.append(connections.get(id(layer), "-"))
        if show_trainable:  # Keras marks layers without weights "-"
            cells.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        lines.extend(_rows(cells, widths, aligns))
        if i < len(layers) - 1:
            lines.append("├" + "┼".join("─" * w for w in widths) + "┤")
    lines.append("└" + "┴".join("─" * w for w in widths) + "┘")
    weights = model.weights
    trainable = model.trainable_weights
    trainable_ids = set(id(v) for v in trainable)
    non_trainable = [v for v in weights if id(v) not in trainable_ids]
    optimizer = getattr(model, "optimizer", None)
    opt_vars = list(getattr(optimizer, "variables", None) or []) if optimizer is not None else []
    if not getattr(optimizer, "built", True):
        opt_vars = []
    # As in Keras 3, the total counts the optimizer's variables too.
    lines.append(" Total params: {:,} ({})".format(
        _count(weights) + _count(opt_vars),
        readable_memory_size(_bytes(weights) + _bytes(opt_vars))))
    lines.append(" Trainable params: {:,} ({})".format(_count(trainable), readable_memory_size(
        _bytes(trainable))))
    lines.append(" Non-trainable params: {:,} ({})".format(
        _count(non_trainable), readable_memory_size(_bytes(non_trainable))))
    if opt_vars:
        lines.append(" Optimizer params: {:,} ({})".format(_count(opt_vars), readable_memory_size(
            _bytes(opt_vars))))
    for line in lines:
        print_fn(line)
