"""The Runs page's parts: the table's columns, the selection kept on its runs, and the actions
on one selected run (rename, tag, notes, re-run, open in Train, export, delete) or on several
(tag them, compare them), each confirmed by the control that did it."""

from __future__ import annotations

import streamlit as st

from app.common import RUN_PARAM
from app.readers import get_store
from app.user_text import as_text, no_html
from mnist_lab.compare.run_table import accuracy_scale
from mnist_lab.config import ConfigError
from mnist_lab.formats import MISSING
from mnist_lab.store import Run, archive, parse_tags
from mnist_lab.training import runner

TABLE_KEY = "runs_table"
# The ids of the rows the table showed when the user last ticked one: a tick names a row
# position, and positions move when a run is imported, deleted or filtered away.
SHOWN_KEY = "runs_shown_ids"
NOTICE_KEY = "runs_notice"  # (where, kind, message): what the last action did, said once there
UPLOADS_KEY = "runs_imports"  # archives imported: each import gets a fresh, empty uploader
TAGS_KEY = "runs_new_tags"
# Accuracy reads as "99.12%" everywhere: two decimals, also for 99.10%.
PERCENT_STEP = 0.0001


def column_config(table) -> dict:
    """Formats and widths: the accuracy column, second, is wide enough for its bar and "99.2%"."""
    low, high = accuracy_scale(table["test accuracy"])
    return {
        "id": None,  # kept for selection, not shown
        "name": st.column_config.TextColumn("name", width=220),
        "study": st.column_config.TextColumn("study", width=160)
        if (table["study"] != MISSING).any() else None,
        "test accuracy": st.column_config.ProgressColumn(
            "test accuracy", format="percent", step=PERCENT_STEP, min_value=low, max_value=high, width=150,
            help=f"the bar runs from {low:.0%} to {high:.0%}"),
        "architecture": st.column_config.TextColumn("architecture", width=300),
        "created": st.column_config.DatetimeColumn("created", format="YYYY-MM-DD HH:mm"),
        # Shown once some run is an imported copy.
        "imported": st.column_config.DatetimeColumn("imported", format="YYYY-MM-DD HH:mm",
                                                    help="when this copy was imported from an archive")
        if table["imported"].notna().any() else None,
        "params": st.column_config.NumberColumn("params", format="localized"),
        "training s": st.column_config.NumberColumn("training s", format="%.1f"),
        "images/s": st.column_config.NumberColumn("images/s", format="%.0f"),
        "tags": st.column_config.ListColumn("tags"),
    }


def keep_selection_on_runs(shown_ids: list[str]) -> None:
    """Move the table's ticks to the rows where the ticked runs are now, before it is drawn."""
    state = st.session_state.get(TABLE_KEY)
    before = st.session_state.get(SHOWN_KEY, [])
    if not state or not before:
        return
    rows = state["selection"]["rows"]
    ticked = [before[row] for row in rows if row < len(before)]
    moved = [shown_ids.index(run_id) for run_id in ticked if run_id in shown_ids]
    if moved != rows:
        st.session_state[TABLE_KEY] = {"selection": {"rows": moved, "columns": [], "cells": []}}


def say(where: str, kind: str, message: str) -> None:
    """Confirm an action in words on the next draw, by the control that did it (an action's
    callback runs before the page is drawn)."""
    st.session_state[NOTICE_KEY] = (where, kind, message)


def notice(where: str) -> None:
    """The last action's confirmation, if it was done here."""
    said = st.session_state.get(NOTICE_KEY)
    if said is not None and said[0] == where:
        del st.session_state[NOTICE_KEY]
        (st.success if said[1] == "success" else st.error)(said[2])


def import_archive(upload_key: str) -> None:
    upload = st.session_state.get(upload_key)
    if upload is None:
        return
    try:
        run_id = archive.import_run(get_store(), upload.getvalue())
    except archive.ArchiveError as error:
        say("import", "error", f"This archive was refused: {no_html(error)}")
        return
    name = as_text(get_store().get(run_id).name)
    say("import", "success", f"Imported {as_text(upload.name)} as run {name} ({run_id}).")
    # A fresh uploader: the archive just imported cannot be imported again by a second click.
    st.session_state[UPLOADS_KEY] = st.session_state.get(UPLOADS_KEY, 0) + 1


def import_section() -> None:
    notice("import")
    with st.expander("Import a run archive (.zip)"):
        upload_key = f"import_upload_{st.session_state.get(UPLOADS_KEY, 0)}"
        upload = st.file_uploader("Run archive", type=["zip"], key=upload_key)
        st.button("Import", key="import_button", disabled=upload is None,
                  on_click=import_archive, args=(upload_key,))


def save(run) -> None:
    name, tags, notes = (st.session_state[f"{field}_{run.id}"] for field in ("name", "tags", "notes"))
    try:
        get_store().update(run.id, name=name, tags=parse_tags(tags), notes=notes)
    except ValueError as error:
        say("manage", "error", no_html(error))
    else:
        say("manage", "success", f"Saved the name, tags and notes of {as_text(name)} ({run.id}).")


def delete_run(run) -> None:
    try:
        get_store().delete(run.id)
    except ValueError as error:
        say("top", "error", no_html(error))
    else:
        say("top", "success", f"Deleted {as_text(run.name)} ({run.id}).")


def manage(run) -> None:
    """Rename, tag, notes, re-run, open in Train, export and delete one selected run."""
    st.subheader(f"{as_text(run.name)} · {run.status}")
    with st.form(f"edit_{run.id}"):
        st.text_input("Name", run.name, key=f"name_{run.id}")
        st.text_input("Tags (comma-separated)", ", ".join(run.tags), key=f"tags_{run.id}")
        st.text_area("Notes", run.notes, key=f"notes_{run.id}")
        st.form_submit_button("Save", on_click=save, args=(run,), key="save")
    notice("manage")
    again, train, export, delete = st.columns(4)
    # Short labels, the details in their help: four columns are 195 px wide at 1280 px.
    if again.button("Re-run", key="rerun", help="Train the same config again as a new run"):
        try:
            new_id = runner.rerun(get_store(), run.id)
        except ConfigError as error:
            st.error(f"This run's config cannot be trained again: {no_html(error)}")
        else:
            st.switch_page("pages/train.py", query_params={RUN_PARAM: new_id})
    if train.button("Open in Train", key="open_train",
                    help="Load this run's config into the Train page's form, to change it"):
        st.switch_page("pages/train.py", query_params={"from": run.id})
    if run.status.active:
        export.caption("Export is possible once the run has finished.")
    else:
        export.download_button("Export .zip", lambda: archive.export_run(get_store(), run.id),
                               file_name=f"{run.name}-{run.id}.zip".replace(" ", "_"),
                               mime="application/zip", key="export",
                               help="One zip with the config, metrics, model and predictions")
    confirmed = delete.checkbox(f"Yes, delete {as_text(run.name)}", key=f"confirm_{run.id}")
    delete.button("Delete", disabled=not confirmed, key="delete", on_click=delete_run, args=(run,))




def add_tags(runs: list[Run]) -> None:
    tags = parse_tags(st.session_state[TAGS_KEY])
    try:
        get_store().add_tags([run.id for run in runs], tags)
    except ValueError as error:
        say("several", "error", no_html(error))
    else:
        say("several", "success", f"Tagged {len(runs)} runs: {', '.join(map(as_text, tags))}.")
        st.session_state[TAGS_KEY] = ""


def several(runs: list[Run]) -> None:
    """Two or more selected runs: compare them, or tag them all at once."""
    compare, tags, add = st.columns([2, 3, 1], vertical_alignment="bottom")
    if compare.button(f"Compare the {len(runs)} selected runs", type="primary", key="compare"):
        # A list value repeats the key (?run=a&run=b); a list of pairs would keep only the last.
        st.switch_page("pages/compare.py", query_params={RUN_PARAM: [run.id for run in runs]})
    tags.text_input(f"Tags for the {len(runs)} selected runs (comma-separated)", key=TAGS_KEY,
                    placeholder="e.g. baseline, week 2")
    add.button("Add tags", key="add_tags", on_click=add_tags, args=(runs,),
               help="Each selected run keeps its tags and gains these")
    notice("several")
