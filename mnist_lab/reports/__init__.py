"""Results to take away: a run's or a study's report as one self-contained HTML file and as
Markdown with PNG and SVG figures (`mnist-lab report`, and "Download report" on the pages)."""

from mnist_lab.reports.document import Document, to_html, to_markdown, write
from mnist_lab.reports.run import run_document
from mnist_lab.reports.study import study_document

__all__ = ["Document", "run_document", "study_document", "to_html", "to_markdown", "write"]
