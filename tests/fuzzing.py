"""What the fuzz tests (tests/test_fuzz_*.py) share: how hard hypothesis tries.

Each property runs `FUZZ_EXAMPLES` examples (30 by default, so every file stays under about
20 s on 2 cores); `FUZZ_EXAMPLES=300 pytest tests/test_fuzz_*.py` digs deeper. No deadline:
a loaded machine must not turn a slow example into a failure.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "20")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
