"""Files that readers see whole or not at all, wherever the project writes one.

A trainer can be killed and a disk can fill at any moment: writing to a temporary name beside
the target and renaming it into place means a reader finds the old file or the new one, never
half of either.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

TEMP_PREFIX = ".tmp-"  # a file being written; left behind only by a writer killed mid-write


def write_atomic(target: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(temporary_path)`, then rename the result to `target`; return `target`.

    The temporary file sits in the target's folder (a rename never crosses file systems) and
    keeps the target's suffix, so writers that add one (numpy's ``.npz``) do not. If `write`
    raises, the temporary file is removed and the target is untouched.
    """
    target = Path(target)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX, suffix=target.suffix)
    os.close(handle)
    try:
        write(Path(temp_name))
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return target
