"""Keras, imported once and quietly, so a user sees only the project's own output.

Importing TensorFlow prints its start-up lines (oneDNN notes, CUDA probes and, on a machine
without a GPU, an "E0000 ... failed call to cuInit" error) before Python can filter anything.
`MNIST_LAB_VERBOSE=1` (or `mnist-lab --verbose`) shows them again.
"""

from __future__ import annotations

import os
import sys
import tempfile

VERBOSE_ENV = "MNIST_LAB_VERBOSE"


def import_keras(*, capture: bool = True):
    """Import Keras (and TensorFlow behind it) with their start-up logging silenced; return it.

    TensorFlow's C++ log level is raised unless the user set one, and (with `capture`) file
    descriptor 2 is pointed at a temporary file during the import, since some lines are
    written before any log level applies; if the import fails, what it printed is shown with
    the error. A server importing in the background passes `capture=False`: its other threads
    write to the same descriptor meanwhile, and their lines must not be lost.
    """
    if "keras" in sys.modules or os.environ.get(VERBOSE_ENV):
        import keras

        return keras
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if not capture:
        import keras

        return keras
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import keras
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return keras
