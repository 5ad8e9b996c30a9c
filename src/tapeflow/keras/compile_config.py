"""A model's ``compile`` arguments as Keras 3's ``compile_config``, and back on loading."""
import inspect
import warnings

__all__ = ["compile_config", "compile_from_config"]


def compile_config(model):
    """The arguments ``compile`` was given (the optimizer as its object, so that its config
    holds the current hyperparameters), ready for ``serialize_keras_object``."""
    compiled_metrics = model._compile_metrics
    return {"optimizer": model.optimizer, "loss": model.loss,
            "loss_weights": _loss_weights(model._compile_loss),
            "metrics": compiled_metrics._spec if compiled_metrics is not None else None,
            "weighted_metrics": (compiled_metrics._weighted_spec
                                 if compiled_metrics is not None else None),
            "run_eagerly": bool(model.run_eagerly),
            "steps_per_execution": model.steps_per_execution,
            "jit_compile": model.jit_compile is True}


def _loss_weights(compiled_loss):
    """``loss_weights`` as given to ``compile`` (CompileLoss keeps them per loss term)."""
    if compiled_loss is None or all(w is None for w in compiled_loss.weights):
        return None
    if compiled_loss.keys is not None:
        return dict(zip(compiled_loss.keys, compiled_loss.weights))
    if compiled_loss.single:
        return compiled_loss.weights[0]
    return list(compiled_loss.weights)


def compile_from_config(model, config, custom_objects, safe_mode):
    """Compiles a loaded model as it was saved; warns (and leaves it uncompiled) where the
    optimizer, loss or metrics cannot be rebuilt, as Keras does for a custom ``compile``."""
    from .serialization import _deserialize
    from .trainer import Trainer
    if hasattr(model, "compile_from_config"):  # the user's own (Keras's hook)
        model.compile_from_config(config)
        return
    if not isinstance(model, Trainer):
        return
    if type(model).compile is not Trainer.compile:
        warnings.warn("`compile()` was not called as part of model loading because the model's "
                      "`compile()` method is custom. All subclassed Models that have "
                      "`compile()` overridden should also override `get_compile_config()` and "
                      "`compile_from_config(config)`. Alternatively, you can call `compile()` "
                      "manually after loading.", stacklevel=4)
        return
    try:
        arguments = _deserialize(config, custom_objects, safe_mode, build=False)
        accepted = inspect.signature(Trainer.compile).parameters
        model.compile(**{k: v for k, v in arguments.items() if k in accepted})
    except (TypeError, ValueError) as e:
        warnings.warn("The model was loaded without compiling it: its compile config could not "
                      "be restored (%s). Call `model.compile(...)` after loading; custom losses "
                      "and metrics can be registered with "
                      "`@tf.keras.saving.register_keras_serializable()` or passed in "
                      "`custom_objects`." % e, stacklevel=4)
