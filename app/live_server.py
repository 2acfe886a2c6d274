"""HTTP routes the dashboard serves beside Streamlit's own: the live feed and Plotly's script.

`dashboard.py` mounts them with `st.App`, under `server.baseUrlPath` like Streamlit's own
routes. The Train page's live view (`app/train/live_run/`) polls
`<base>/lab/live/<run id>?after=<row id>&marks=<n>` and loads Plotly from this server, so the
dashboard works offline.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib.resources import files

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from mnist_lab.live.feed import LiveFeed
from mnist_lab.store import IndexDamagedError, RunNotFoundError, RunStore

PLOTLY_FILE = files("plotly") / "package_data" / "plotly.min.js"


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
