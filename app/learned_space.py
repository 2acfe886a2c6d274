"""The learned space of a run, drawn for Errors (one run) and Compare (two side by side):
PCA at once, t-SNE once computed in the background; hovering a point names its digit, and a
click opens it: a mistake as its confused pair on Errors, a digit read right in the Inspector.

Nothing is computed in the page: what is missing is started as `mnist-lab runs embed` through
`compare.learned_space.start`, and the section polls the store until it is there.
"""

from __future__ import annotations

import streamlit as st

from app.charts import plotly_chart
from app.common import IMAGE_PARAM, RUN_PARAM, choose_pair_on_errors
from app.readers import artifact_mtime, get_store, mnist, projection
from app.user_text import as_text, no_html
from mnist_lab.compare import learned_space
from mnist_lab.compare.learned_space import SpaceState
from mnist_lab.data import of_classes
from mnist_lab.figures.embeddings import clicked_image, space_figure
from mnist_lab.store import Run, artifacts

METHODS = {"PCA": "pca", "t-SNE": "tsne"}
FILES = {"pca": artifacts.EMBEDDINGS_FILE, "tsne": artifacts.TSNE_FILE}
POLL_SECONDS = 2.0
HINT = "Hover a point for its digit; click one to open it."


def space_view(run: Run, y_test, predicted, *, key: str, height: int = 520):
    """Draw the run's learned space, or offer to compute it; returns a point clicked since the
    last rerun as (position in the run's test set, true digit, digit read), else None."""
    progress = learned_space.state(get_store(), run.id)
    if progress.embeddings is not SpaceState.READY:
        _not_ready(run, progress.embeddings, progress.problem, tsne=False, key=key)
        return None
    method = METHODS[st.radio("Projection", list(METHODS), horizontal=True, key=f"{key}_method")]
    if method == "tsne" and progress.tsne is not SpaceState.READY:
        _not_ready(run, progress.tsne, progress.problem, tsne=True, key=key)
        return None
    try:
        projected = projection(run.id, method, artifact_mtime(run.id, FILES[method]))
    except (artifacts.ArtifactError, ValueError) as error:
        st.error(f"The learned space cannot be drawn: {no_html(error)}")
        return None
    chart = f"{key}_{run.id}_{method}"
    event = plotly_chart(space_figure(projected.points, y_test, predicted), key=chart,
                         on_select="rerun", selection_mode="points", height=height)
    st.caption(f"{no_html(projected.note)}. {HINT}")
    clicked = clicked_image(event)
    seen = f"{chart}_seen"
    if clicked is None or clicked == st.session_state.get(seen):
        return None  # nothing clicked, or a click already acted on
    st.session_state[seen] = clicked
    return clicked


def open_digit(run: Run, clicked, *, on_errors: bool = False) -> None:
    """Open a clicked point's digit: a mistake as its pair on Errors, a right answer in the
    Inspector (which numbers the full test set: a run on some digits is mapped back)."""
    position, true_class, read = clicked
    if true_class != read:
        choose_pair_on_errors((true_class, read))
        if on_errors:
            st.rerun()
        st.switch_page("pages/errors.py", query_params={RUN_PARAM: run.id})
    number = int(of_classes(mnist().y_test, run.config.get("classes"))[position])
    st.switch_page("pages/inspector.py", query_params={RUN_PARAM: run.id, IMAGE_PARAM: str(number)})


def _not_ready(run: Run, state: SpaceState, problem: str, *, tsne: bool, key: str) -> None:
    what = "t-SNE" if tsne else "learned space"
    if state is SpaceState.COMPUTING:
        st.info(f"Computing the {what} of {as_text(run.name)} in the background; this view updates "
                "when it is ready.")
        _wait_for(run.id)
        return
    if state is SpaceState.FAILED:
        st.error(f"Computing the {what} failed: {no_html(problem)}")
    elif tsne:
        st.caption("t-SNE of 10,000 test images takes one to two minutes; it is computed once "
                   "in the background and kept with the run.")
    else:
        st.caption("This run was made before trainers kept the learned space: it is computed "
                   "from the saved model, in the background, in a few seconds.")
    label = "Compute t-SNE" if tsne else "Compute the learned space"
    if st.button(label if state is SpaceState.MISSING else "Try again", key=f"{key}_{run.id}_start_{tsne}"):
        learned_space.start(get_store(), run.id, tsne=tsne)
        st.rerun()


@st.fragment(run_every=POLL_SECONDS)
def _wait_for(run_id: str) -> None:
    """Polls the store; the whole page reruns once nothing is being computed any more."""
    progress = learned_space.state(get_store(), run_id)
    if SpaceState.COMPUTING not in (progress.embeddings, progress.tsne):
        st.rerun()
