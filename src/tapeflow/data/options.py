"""``tf.data.Options``: accepted and recorded; tapeflow's pipelines need no tuning knobs."""


class _OptionGroup:
    """A namespace of options (``options.threading.private_threadpool_size = 2``)."""

    def __init__(self, **defaults):
        self.__dict__.update(defaults)

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join(
            "%s=%r" % kv for kv in sorted(self.__dict__.items())))


class Options:
    """Options for a dataset; set attributes, then ``ds = ds.with_options(options)``.

    The common TF option names can be set (and new ones added); the values are kept
    (``ds.options()``) but do not change how tapeflow runs: its pipelines have no
    tuning knobs (pass ``deterministic=False`` to ``map`` itself).

    >>> import tapeflow as tf
    >>> options = tf.data.Options()
    >>> options.experimental_deterministic = False
    >>> tf.data.Dataset.range(3).with_options(options).options().deterministic
    False
    """

    def __init__(self):
        self.deterministic = None
        self.experimental_optimization = _OptionGroup(
            apply_default_optimizations=None, map_parallelization=None, parallel_batch=None)
        self.threading = _OptionGroup(private_threadpool_size=None, max_intra_op_parallelism=None)
        self.experimental_distribute = _OptionGroup(auto_shard_policy=None,
                                                    num_devices=None)
        self.autotune = _OptionGroup(enabled=None, cpu_budget=None, ram_budget=None)

    @property
    def experimental_deterministic(self):
        return self.deterministic

    @experimental_deterministic.setter
    def experimental_deterministic(self, value):
        self.deterministic = value

    def merge(self, options):
        """A new Options: these, overridden by what ``options`` sets."""
        merged = Options()
        for source in (self, options):
            for name, value in vars(source).items():
                if isinstance(value, _OptionGroup):
                    group = getattr(merged, name, None)
                    if not isinstance(group, _OptionGroup):
                        group = _OptionGroup()
                        setattr(merged, name, group)
                    group.__dict__.update({k: v for k, v in vars(value).items()
                                           if v is not None})
                elif value is not None:
                    setattr(merged, name, value)
        return merged

    def __repr__(self):
        return "Options(%s)" % ", ".join("%s=%r" % kv for kv in sorted(vars(self).items()))
