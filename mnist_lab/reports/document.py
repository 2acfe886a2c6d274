"""A report as plain parts (titled sections of sentences, tables and Matplotlib figures),
written two ways: one self-contained HTML file, its figures inline as SVG, that fetches
nothing when opened; and Markdown with each figure beside it as PNG and SVG.

Every text is escaped for the format it goes into, so a run's name cannot become markup.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

from mnist_lab.atomic import write_atomic
from mnist_lab.formats import cell

HTML_FILE, MARKDOWN_FILE, FIGURE_DIR = "report.html", "report.md", "figures"
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f3f3f3; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9rem; }
pre { background: #f6f6f6; padding: 0.6rem; overflow-x: auto; font-size: 0.8rem; }
"""


@dataclass(frozen=True)
class Chart:
    """A Matplotlib figure, named for its files, with a caption."""

    name: str
    caption: str
    figure: Figure

    def svg(self) -> str:
        buffer = io.StringIO()
        self.figure.savefig(buffer, format="svg")
        return buffer.getvalue()

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=120)
        return buffer.getvalue()


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    table: list[dict] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    code: str = ""  # shown as it is (a config's JSON)


@dataclass(frozen=True)
class Document:
    title: str
    lines: list[str]
    sections: list[Section]


def to_html(document: Document) -> str:
    """The whole report as one HTML page, figures inline: it needs no network and no files."""
    escape = html.escape
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{escape(document.title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(document.title)}</h1>"]
    parts += [f"<p>{escape(line)}</p>" for line in document.lines]
    for section in document.sections:
        parts.append(f"<h2>{escape(section.title)}</h2>")
        parts += [f"<p>{escape(line)}</p>" for line in section.lines]
        if section.table:
            columns = list(section.table[0])
            parts.append("<table><tr>" + "".join(f"<th>{escape(column)}</th>" for column in columns)
                         + "</tr>")
            parts += ["<tr>" + "".join(f"<td>{escape(cell(row.get(column)))}</td>" for column in columns)
                      + "</tr>" for row in section.table]
            parts.append("</table>")
        if section.code:
            parts.append(f"<pre>{escape(section.code)}</pre>")
        for chart in section.charts:
            svg = chart.svg()
            svg = svg[svg.index("<svg"):]  # inline: no XML prologue or doctype
            parts.append(f"<figure>{svg}<figcaption>{escape(chart.caption)}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _markdown_text(text: str) -> str:
    """Plain text in Markdown: characters that would start markup are escaped."""
    return "".join(f"\\{char}" if char in "\\`*_{}[]<>()#+-!|" else char for char in text)


def to_markdown(document: Document) -> tuple[str, dict[str, bytes]]:
    """The report as Markdown, and the files its figures need beside it (path -> bytes)."""
    lines, files = [f"# {_markdown_text(document.title)}", ""], {}
    lines += [_markdown_text(line) + "\n" for line in document.lines]
    for section in document.sections:
        lines += [f"## {_markdown_text(section.title)}", ""]
        lines += [_markdown_text(line) + "\n" for line in section.lines]
        if section.table:
            columns = list(section.table[0])
            lines.append("| " + " | ".join(_markdown_text(column) for column in columns) + " |")
            lines.append("|" + "---|" * len(columns))
            lines += ["| " + " | ".join(_markdown_text(cell(row.get(column))) for column in columns)
                      + " |" for row in section.table]
            lines.append("")
        if section.code:
            lines += ["```json", section.code, "```", ""]
        for chart in section.charts:
            png, svg = f"{FIGURE_DIR}/{chart.name}.png", f"{FIGURE_DIR}/{chart.name}.svg"
            files[png], files[svg] = chart.png(), chart.svg().encode()
            lines += [f"![{_markdown_text(chart.caption)}]({png})", "",
                      f"{_markdown_text(chart.caption)} ([SVG]({svg}))", ""]
    return "\n".join(lines), files


def write(document: Document, out: Path) -> list[Path]:
    """report.html, report.md and figures/ in `out` (made if missing), each file whole or not
    at all; the paths written."""
    try:
        (out / FIGURE_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"cannot write the report to {out}: {error.strerror}") from None
    markdown, files = to_markdown(document)
    contents = {HTML_FILE: to_html(document).encode(), MARKDOWN_FILE: markdown.encode(), **files}
    written = []
    for name, data in contents.items():
        written.append(write_atomic(out / name, lambda path, data=data: path.write_bytes(data)))
    return written
