"""Text from people or links, made safe for the elements that render Markdown.

`st.markdown`, alerts, headers, toasts and page-link labels all read their text as Markdown.
Streamlit never renders raw HTML there (no page passes `unsafe_allow_html`), but Markdown
alone can still turn a run's name, an uploaded file's name or a value from a link into a link,
an image, a heading or LaTeX. Escaping every ASCII punctuation character (CommonMark allows a
backslash before each) makes such text show exactly as it was typed: `<script>` stays seven
characters on the screen. A text the core composed around such text (a verdict naming two
runs, an error naming a file) goes through `no_html`, which keeps its emphasis. Plain-text
elements (selectbox options, text inputs, tables) take the text unescaped.
"""

from __future__ import annotations

import string

_ESCAPED = str.maketrans({character: "\\" + character for character in string.punctuation})


def as_text(text: object) -> str:
    """`text` for a Markdown-rendering element, shown as typed (on one line: a newline would
    start a new Markdown block)."""
    return " ".join(str(text).translate(_ESCAPED).splitlines())


_NOT_MARKUP = str.maketrans({character: "\\" + character for character in "\\<>&[]`$"})


def no_html(markdown: str) -> str:
    """A Markdown text the core wrote, which may quote run names or paths: its emphasis is
    kept, but nothing in it can become HTML, a link, an image, code or LaTeX."""
    return str(markdown).translate(_NOT_MARKUP)
