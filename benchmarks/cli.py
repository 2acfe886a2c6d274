"""The command line each benchmark module shares: --epochs, --repeats, --subset, JSON out."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable


def run(measure: Callable[..., dict], description: str) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--subset", type=int)
    args = parser.parse_args()
    print(json.dumps(measure(args.epochs, args.repeats, args.subset), indent=2))
