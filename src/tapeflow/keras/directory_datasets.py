"""``tf.keras.utils.image_dataset_from_directory`` and ``text_dataset_from_directory``.

Semantics follow Keras 3 (``keras/src/utils/image_dataset_utils.py``,
``text_dataset_utils.py`` and ``index_directory`` in ``dataset_utils.py``): which files are
found and in what order, the labels, the validation split and the shuffling.

The returned pipeline is ``from_tensor_slices((paths, labels))`` → ``shuffle`` →
``batch`` → ``map(read the batch's files)`` → ``prefetch``: files are read lazily, one
batch at a time, in a background thread while the model trains on the previous batch;
paths and labels are shuffled and batched by index, as any in-memory dataset is. (A
parallel ``map`` gained nothing over the prefetch thread on a 2-core machine and would hold
two batches per core in memory, so files are read by one thread.)

Differences from Keras: images are decoded by Pillow, not TF's decoders (JPEG pixels may
differ by a level or so) and are always float32 (TF's "nearest" resize would keep uint8);
``interpolation`` is "bilinear", "nearest" or "area"; the per-epoch buffer shuffle draws
from tapeflow's generator, so orders differ from TF's (the one-time file permutation is
Keras's exactly); "Using N files for ..." is printed only when ``verbose``; and a
``validation_split`` too small for one file gives an empty validation subset (an error),
where Keras's ``samples[-0:]`` would give it every file.
"""
import os

from ..backend import np
from ..data import AUTOTUNE, Dataset
from .dataset_utils import spec_of_rows, with_spec

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
TEXT_FORMATS = (".txt",)
_PLURAL = {"image": "images", "text": "text files"}
_LABEL_MODES = ("int", "categorical", "binary", None)
# Keras accepts every tf.image.resize method; tapeflow's resize implements these three.
_KERAS_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                         "gaussian", "mitchellcubic")
_IMPLEMENTED_INTERPOLATIONS = ("bilinear", "nearest", "area")


# -- indexing a directory ------------------------------------------------------------------
def _class_subdirs(directory, class_names):
    subdirs = [name for name in sorted(os.listdir(directory))
               if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")]
    if class_names is None:
        return subdirs
    if not set(class_names).issubset(subdirs):
        raise ValueError("The `class_names` passed did not match the names of the "
                         "subdirectories of the target directory. Expected: %s (or a subset of "
                         "it), but received: class_names=%s" % (subdirs, class_names))
    return list(class_names)  # the order given is the label order


def _walk_files(directory, follow_links, formats):
    """The files under ``directory`` (recursively) with an allowed suffix, in Keras's order:
    folders sorted by path, files sorted by name within each."""
    walk = sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0])
    for root, _, files in walk:
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield os.path.join(root, name)


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """The files of ``directory`` with their labels: ``(paths, labels, class_names)``.

    With ``labels="inferred"`` each subdirectory (sorted, hidden ones skipped) is a class;
    otherwise the whole tree is read and ``labels`` is ``None`` or one int per file, in
    the order of the sorted file paths. With ``shuffle`` files and labels are permuted
    together by ``np.random.RandomState(seed)``; without, they stay sorted.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError("Could not find directory %s (it does not exist or is not a "
                                "directory)." % directory)
    inferred = isinstance(labels, str) and labels == "inferred"
    if inferred:
        subdirs = _class_subdirs(directory, class_names)
    elif class_names is not None:
        if labels is None:
            raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be "
                             "specified.")
        raise ValueError("When argument `labels` is specified, argument `class_names` cannot "
                         "be specified (the `class_names` will be the sorted list of labels).")
    else:
        subdirs = [""]
    paths, label_ids = [], []
    for index, subdir in enumerate(subdirs):
        found = list(_walk_files(os.path.join(directory, subdir) if subdir else directory,
                                 follow_links, formats))
        paths += found
        label_ids += [index] * len(found)
    if inferred:
        labels, class_names = np.asarray(label_ids, dtype="int32"), subdirs
    elif labels is not None:
        if len(labels) != len(paths):
            raise ValueError("Expected the lengths of `labels` to match the number of files in "
                             "the target directory. len(labels) is %d while we found %d files "
                             "in directory %s." % (len(labels), len(paths), directory))
        labels = np.asarray(labels)
        labels = labels.astype("int32") if labels.dtype.kind in "iu" else labels
        class_names = [str(label) for label in sorted(set(labels.tolist()))]
    if verbose:
        if labels is None:
            print("Found %d files." % len(paths))
        else:
            print("Found %d files belonging to %d classes." % (len(paths), len(class_names)))
    if shuffle:
        # One permutation for paths and labels: the one Keras gets by shuffling each of them
        # with a fresh RandomState(seed).
        order = np.arange(len(paths))
        np.random.RandomState(np.random.randint(1e6) if seed is None else seed).shuffle(order)
        paths = [paths[i] for i in order]
        if labels is not None:
            labels = labels[order]
    return paths, labels, (class_names if labels is not None else None)


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError("`validation_split` must be between 0 and 1, received: %s"
                         % validation_split)
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError('`subset` must be either "training", "validation" or "both", '
                         'received: %s' % (subset,))
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide "
                         "a `seed` argument, to make sure that there is no overlap between the "
                         "training and validation subset.")


def training_or_validation_split(samples, labels, validation_split, subset, verbose):
    """The last ``int(validation_split * n)`` samples are the validation subset, the others
    the training subset (``subset=None``: everything)."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    cut = len(samples) - num_val  # not samples[:-num_val], which is empty when num_val is 0
    part = slice(None, cut) if subset == "training" else slice(cut, None)
    if verbose:
        print("Using %d files for %s." % (cut if subset == "training" else num_val, subset))
    return samples[part], (None if labels is None else labels[part])


# -- building the dataset ------------------------------------------------------------------
def _label_column(labels, label_mode, num_classes):
    """int32 ids; float32 one-hot rows ('categorical', out-of-range ids give zeros as
    tf.one_hot does); or float32 ``(n, 1)`` ('binary')."""
    if label_mode == "binary":
        return labels.astype("float32").reshape(-1, 1)
    if label_mode == "categorical":
        return (labels[:, None] == np.arange(num_classes)).astype("float32")
    return labels


def _path_column(paths):
    column = np.empty(len(paths), dtype=object)  # tf.string: an object array of bytes
    column[:] = [os.fsencode(p) for p in paths]
    return column


def _files_dataset(paths, labels, label_mode, num_classes, read, read_spec, batch_size,
                   shuffle, seed, class_names):
    """paths (+ labels) -> shuffled, batched dataset whose batches ``read`` their files;
    ``read_spec`` is ``(shape, dtype)`` of what ``read`` returns for one file."""
    column = _path_column(paths)
    spec = spec_of_rows(batch_size, *read_spec)
    if label_mode:
        label_column = _label_column(labels, label_mode, num_classes)
        ds = Dataset.from_tensor_slices((column, label_column))
        spec = (spec, spec_of_rows(batch_size, label_column.shape[1:], label_column.dtype))
    else:
        ds = Dataset.from_tensor_slices(column)
    if shuffle:
        ds = ds.shuffle(8 * batch_size if batch_size is not None else 1024, seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)

    def load(path, *label):
        path = path.numpy()  # bytes when unbatched, else an object array of bytes
        contents = read(path) if isinstance(path, bytes) else _stack([read(p) for p in path])
        return (contents,) + label if label else contents

    ds = with_spec(ds.map(load), spec).prefetch(AUTOTUNE)
    ds.class_names = class_names
    ds.file_paths = list(paths)
    return ds


def _stack(items):
    if items and isinstance(items[0], bytes):
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out
    return np.stack(items)


def _from_directory(directory, labels, label_mode, class_names, formats, what, read,
                    read_spec, batch_size, shuffle, seed, validation_split, subset,
                    follow_links, verbose):
    """The steps image and text datasets share, from checking the arguments to the split."""
    if not (labels is None or (isinstance(labels, str) and labels == "inferred")):
        if not isinstance(labels, (list, tuple)):
            raise ValueError("`labels` argument should be a list/tuple of integer labels, of "
                             "the same size as the number of %s files in the target directory. "
                             "If you wish to infer the labels from the subdirectory names in the "
                             'target directory, pass `labels="inferred"`. If you wish to get a '
                             "dataset that only contains %s (no labels), pass `labels=None`. "
                             "Received: labels=%s" % (what, _PLURAL[what], labels))
        if class_names:
            raise ValueError('You can only pass `class_names` if `labels="inferred"`. Received: '
                             "labels=%s, and class_names=%s" % (labels, class_names))
    if label_mode not in _LABEL_MODES:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", '
                         "or None. Received: label_mode=%s" % (label_mode,))
    if labels is None or label_mode is None:
        labels = label_mode = None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(directory, labels, formats, class_names,
                                                 shuffle, seed, follow_links, verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         "class_names. Received: class_names=%s" % (class_names,))
    num_classes = len(class_names) if class_names else 0
    subsets = ("training", "validation") if subset == "both" else (subset,)
    datasets = []
    for part in subsets:
        part_paths, part_labels = training_or_validation_split(paths, labels, validation_split,
                                                               part, verbose)
        if not part_paths:
            raise ValueError("No %s%s found in directory %s. Allowed formats: %s"
                             % (part + " " if subset == "both" else "", _PLURAL[what],
                                os.fspath(directory), ", ".join(formats)))
        # As in Keras, only the validation half of subset="both" is left unshuffled.
        part_shuffle = shuffle and not (subset == "both" and part == "validation")
        datasets.append(_files_dataset(part_paths, part_labels, label_mode, num_classes, read,
                                       read_spec, batch_size, part_shuffle, seed, class_names))
    return datasets if subset == "both" else datasets[0]


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False,
                                verbose=True):
    """A ``tf.data.Dataset`` of the ``.txt`` files of a directory tree, with their labels.

    With ``labels="inferred"`` each subdirectory of ``directory`` is a class (sorted by
    name: ``class_a`` is 0, ``class_b`` 1 ...). Texts are ``tf.string`` tensors of the
    files' bytes, read a batch at a time.

    Args:
        directory: the folder to read.
        labels: ``"inferred"``, ``None`` (texts only) or a list of int labels, one per file
            in the sorted order of their paths.
        label_mode: ``"int"`` (int32 ids), ``"categorical"`` (float32 one-hot),
            ``"binary"`` (float32 ``(batch, 1)``, exactly 2 classes) or ``None``.
        class_names: with inferred labels, the subdirectories to use, in label order.
        batch_size: texts per batch; ``None`` yields single texts.
        max_length: keep at most this many bytes of each file.
        shuffle: shuffle the files (once, with ``seed``) and each epoch (a buffer of
            ``8 * batch_size``); without it files come in sorted order.
        seed: the shuffling seed; needed with ``validation_split`` and ``shuffle``.
        validation_split: the fraction of files kept for validation (the last ones).
        subset: ``"training"``, ``"validation"`` or ``"both"`` (a list of the two datasets).
        follow_links: also enter subdirectories that are symbolic links.
        verbose: print how many files and classes were found.

    Returns:
        A dataset of ``(texts, labels)`` batches (texts only without labels), with
        ``class_names`` and ``file_paths`` attributes; a list of two for ``subset="both"``.

    >>> import os, tempfile, tapeflow as tf
    >>> root = tempfile.mkdtemp()
    >>> for cls, text in [("neg", "bad"), ("pos", "good")]:
    ...     os.mkdir(os.path.join(root, cls))
    ...     _ = open(os.path.join(root, cls, "1.txt"), "w").write(text)
    >>> ds = tf.keras.utils.text_dataset_from_directory(root, shuffle=False)
    Found 2 files belonging to 2 classes.
    >>> ds.class_names
    ['neg', 'pos']
    >>> [(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds]
    [([b'bad', b'good'], [0, 1])]
    """
    def read(path):
        with open(path, "rb") as f:
            return f.read() if max_length is None else f.read(max_length)

    return _from_directory(directory, labels, label_mode, class_names, TEXT_FORMATS, "text",
                           read, ((), "string"), batch_size, shuffle, seed, validation_split,
                           subset, follow_links, verbose)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, verbose=True):
    """A ``tf.data.Dataset`` of the images of a directory tree, with their labels.

    With ``labels="inferred"`` each subdirectory of ``directory`` is a class (sorted by
    name). Files ending in ``.bmp``, ``.gif`` (first frame), ``.jpeg``, ``.jpg`` or
    ``.png`` (any case) are read with Pillow (``pip install "tapeflow[image]"``), a batch
    at a time, converted to ``color_mode`` and resized to ``image_size`` with
    ``tf.image.resize``.

    Args:
        directory: the folder to read.
        labels: ``"inferred"``, ``None`` (images only) or a list of int labels, one per
            file in the sorted order of their paths.
        label_mode: ``"int"`` (int32 ids), ``"categorical"`` (float32 one-hot),
            ``"binary"`` (float32 ``(batch, 1)``, exactly 2 classes) or ``None``.
        class_names: with inferred labels, the subdirectories to use, in label order.
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"``: 1, 3 or 4 channels.
        batch_size: images per batch; ``None`` yields single images.
        image_size: ``(height, width)`` (or one int) of the images yielded.
        shuffle: shuffle the files (once, with ``seed``) and each epoch (a buffer of
            ``8 * batch_size``); without it files come in sorted order.
        seed: the shuffling seed; needed with ``validation_split`` and ``shuffle``.
        validation_split: the fraction of files kept for validation (the last ones).
        subset: ``"training"``, ``"validation"`` or ``"both"`` (a list of the two datasets).
        interpolation: ``"bilinear"``, ``"nearest"`` or ``"area"``.
        follow_links: also enter subdirectories that are symbolic links.
        crop_to_aspect_ratio: resize the largest central crop with ``image_size``'s aspect
            ratio, so images are not distorted.
        pad_to_aspect_ratio: resize to fit inside ``image_size`` and pad with zeros, so
            images are not distorted.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        verbose: print how many files and classes were found.

    Returns:
        A dataset of ``(images, labels)`` batches (images only without labels), images
        float32 ``(batch, height, width, channels)`` with values in ``[0, 255]``, with
        ``class_names`` and ``file_paths`` attributes; a list of two for ``subset="both"``.
    """
    from . import image_utils
    image_utils.pil_image()  # fail now, not at the first batch, when Pillow is missing
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. Received: '
                         "color_mode=%s" % (color_mode,))
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError("Invalid `image_size` value. Expected a tuple of 2 integers. Received: "
                         "image_size=%s" % (image_size,))
    image_size = (int(image_size[0]), int(image_size[1]))
    interpolation = interpolation.lower()
    if interpolation not in _KERAS_INTERPOLATIONS:
        raise ValueError("Argument `interpolation` should be one of %s. Received: "
                         "interpolation=%s" % (_KERAS_INTERPOLATIONS, interpolation))
    if interpolation not in _IMPLEMENTED_INTERPOLATIONS:
        raise NotImplementedError("image_dataset_from_directory: interpolation=%r is not "
                                  "implemented in tapeflow; use 'bilinear', 'nearest' or 'area'."
                                  % interpolation)
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set "
                         "to `True`.")
    data_format = image_utils.standardize_data_format(data_format)

    def read(path):
        return image_utils.decode_and_resize(path, channels, image_size, interpolation,
                                             crop_to_aspect_ratio, pad_to_aspect_ratio,
                                             data_format)

    shape = image_size + (channels,) if data_format == "channels_last" else (
        (channels,) + image_size)
    return _from_directory(directory, labels, label_mode, class_names, IMAGE_FORMATS, "image",
                           read, (shape, "float32"), batch_size, shuffle, seed,
                           validation_split, subset, follow_links, verbose)
