"""Open a saved `model.keras` without running code from it: for the Inspector and for imports.

Keras's safe mode refuses a model that carries pickled Python (a Lambda layer). Keras is
imported only when a model is really opened, so importing this module costs nothing.
"""

from __future__ import annotations

from pathlib import Path

from mnist_lab.model.backend import import_keras


class ModelError(RuntimeError):
    """The model file cannot be opened (missing, unsafe or damaged); the message says which."""


def load_model(path, *, compile=False):
    """Open a saved `model.keras` with Keras's safe mode, which refuses pickled code.

    Parameters
    ----------
    path : str or pathlib.Path
        The model file.
    compile : bool, default=False
        Restore the optimizer and loss too. Predicting, inspecting and starting another run
        from the weights need neither; the optimizer's learning-rate schedule is the lab's
        own class (`mnist_lab.training.optimizer.ScheduledRate`), which a process opening a
        model with `compile=True` must have imported.

    Returns
    -------
    model : keras.Model

    Raises
    ------
    ModelError
        The file is missing, holds code that safe mode will not run (a Lambda layer),
        or is not a Keras model.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path.name} is missing from {path.parent}")
    keras = import_keras()
    try:
        return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except Exception as error:  # Keras raises many kinds for a bad file; each means "refused"
        message = " ".join(str(error).split())[:300]
        raise ModelError(f"{path.name} could not be opened safely: {message}") from None
