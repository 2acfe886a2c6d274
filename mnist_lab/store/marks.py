"""What a person says about a run's test image after looking at it: its label is wrong, it is
ambiguous, or the model is wrong. Kept in the store's `label_marks` table (one mark per run and
image) and carried by the run's archive.
"""

from __future__ import annotations

import sqlite3
import time
from enum import StrEnum
from typing import Any

from mnist_lab.data import TEST_IMAGES

SCHEMA = """
CREATE TABLE IF NOT EXISTS label_marks (
    run_id TEXT NOT NULL, image INTEGER NOT NULL, mark TEXT NOT NULL, marked_at REAL NOT NULL,
    PRIMARY KEY (run_id, image)
);
"""


class LabelMark(StrEnum):
    LABEL_WRONG = "label wrong"
    AMBIGUOUS = "ambiguous"
    MODEL_WRONG = "model wrong"


def check_image(image: Any) -> int:
    """A test image's position, 0..9,999; anything else is refused by value."""
    if isinstance(image, bool) or not isinstance(image, int) or not 0 <= image < TEST_IMAGES:
        raise ValueError(f"a marked image must be a test image 0..{TEST_IMAGES - 1}, got {image!r}")
    return image


def write(connection: sqlite3.Connection, run_id: str, image: int, mark: LabelMark | None) -> None:
    """Mark one image, or clear its mark with None."""
    image = check_image(image)
    if mark is None:
        connection.execute("DELETE FROM label_marks WHERE run_id = ? AND image = ?", (run_id, image))
        return
    connection.execute(
        "INSERT OR REPLACE INTO label_marks (run_id, image, mark, marked_at) VALUES (?, ?, ?, ?)",
        (run_id, image, LabelMark(mark), time.time()))


def read(connection: sqlite3.Connection, run_id: str) -> dict[int, LabelMark]:
    """Image -> mark, in image order; a row that is not a known mark is left out."""
    rows = connection.execute("SELECT image, mark FROM label_marks WHERE run_id = ? ORDER BY image",
                              (run_id,)).fetchall()
    known = set(LabelMark)
    return {row["image"]: LabelMark(row["mark"]) for row in rows if row["mark"] in known}


def to_json(marks: dict[int, LabelMark]) -> list[dict[str, Any]]:
    """The marks as an archive stores them: [{"image": 2462, "mark": "label wrong"}, ...]."""
    return [{"image": image, "mark": str(mark)} for image, mark in sorted(marks.items())]


def from_json(value: Any) -> dict[int, LabelMark]:
    """Marks read back from an archive, each checked; raises ValueError naming the first bad one."""
    if not isinstance(value, list) or len(value) > TEST_IMAGES:
        raise ValueError(f"label_marks must be a list of at most {TEST_IMAGES:,} marks")
    marks: dict[int, LabelMark] = {}
    for number, item in enumerate(value, 1):
        if not isinstance(item, dict) or set(item) != {"image", "mark"}:
            raise ValueError(f"label mark {number} must be an object with image and mark")
        image = check_image(item["image"])
        if not isinstance(item["mark"], str) or item["mark"] not in set(LabelMark):
            raise ValueError(f"label mark {number}: unknown mark {str(item['mark'])[:40]!r}; use one "
                             f"of {', '.join(map(repr, map(str, LabelMark)))}")
        if image in marks:
            raise ValueError(f"label mark {number}: image {image} is marked twice")
        marks[image] = LabelMark(item["mark"])
    return marks
