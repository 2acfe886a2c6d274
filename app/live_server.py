"""HTTP routes the dashboard serves beside Streamlit's own: the live feed, Plotly's script, and
its pages' own addresses.

`dashboard.py` mounts them with `st.App`, under `server.baseUrlPath` like Streamlit's own
routes. The Train page's live view (`app/train/live_run/`) polls
`<base>/lab/live/<run id>?after=<row id>&marks=<n>` and loads Plotly from this server, so the
dashboard works offline.

A direct link to a page (`/errors?run=ID`) gets Streamlit's own `index.html` with the
dashboard's address set in `window.__streamlit.BACKEND_BASE_URL`. Without it Streamlit's
script guesses its server from the page's address and asks `/errors/_stcore/health` and
`/errors/_stcore/host-config` first: two 404s in the console of every direct link
(streamlit/streamlit#7074, open). `BACKEND_BASE_URL` is the variable Streamlit reads for
that (streamlit/streamlit#11537); tests/test_streamlit_internals.py fails if it stops.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib.resources import files

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from mnist_lab.live.feed import LiveFeed
from mnist_lab.store import IndexDamagedError, RunNotFoundError, RunStore

PLOTLY_FILE = files("plotly") / "package_data" / "plotly.min.js"
STREAMLIT_INDEX = files("streamlit") / "static" / "index.html"


def _count(request: Request, name: str) -> int:
    value = request.query_params.get(name, "0")
    if not value.isdigit():
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(value)


def url_prefix(base_path: str) -> str:
    """The path the dashboard is served under: "" or "/mnist" for server.baseUrlPath "mnist/"."""
    return f"/{base_path.strip('/')}" if base_path.strip("/") else ""


def live_routes(open_store: Callable[[], RunStore], base_path: str = "") -> list[Route]:
    """The routes, under `base_path` (Streamlit's server.baseUrlPath, "" for none).

    The store is opened on the first request, so a damaged index is a message on every
    request (503) instead of a server that does not start.
    """
    feed = functools.cache(lambda: LiveFeed(open_store()))
    prefix = url_prefix(base_path)

    def live(request: Request) -> Response:
        # A plain function: Starlette runs it in a worker thread, off the event loop.
        try:
            update = feed().poll(request.path_params["run_id"], after_id=_count(request, "after"),
                                 marks=_count(request, "marks"))
        except RunNotFoundError as error:
            return JSONResponse({"error": str(error)}, status_code=404)
        except ValueError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        except IndexDamagedError as error:
            return JSONResponse({"error": str(error)}, status_code=503)
        return JSONResponse(update, headers={"Cache-Control": "no-store"})

    def plotly_js(_request: Request) -> Response:
        return FileResponse(str(PLOTLY_FILE), media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    return [Route(f"{prefix}/lab/live/{{run_id}}", live), Route(f"{prefix}/lab/plotly.min.js", plotly_js)]


def page_routes(pages: list[str], base_path: str = "") -> list[Route]:
    """Each page's address (`<base>/errors`) answered with Streamlit's page, told where its
    server is, so that a direct link asks nothing of `<base>/errors/_stcore/`."""
    prefix = url_prefix(base_path)
    where = (f"<script>window.__streamlit = {{BACKEND_BASE_URL: "
             f"new URL({prefix + '/'!r}, window.location.href).href}};</script>")
    html = STREAMLIT_INDEX.read_text().replace("<head>", "<head>" + where, 1)

    def page(_request: Request) -> Response:
        return HTMLResponse(html, headers={"Cache-Control": "no-cache"})

    return [Route(f"{prefix}/{name}", page) for name in pages]
