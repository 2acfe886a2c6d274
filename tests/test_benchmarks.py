"""The watch benchmark's arithmetic: speeds per kind of turn from the trainer's batch points."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks.dashboard_watch import phase_speeds, summarize

# Batch points of two epochs, 10 steps apart; the fourth point closes epoch 1.
BATCHES = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6, 7, 8], "epoch": [1, 1, 1, 1, 2, 2, 2, 2],
                        "step": [10, 20, 30, 40, 60, 70, 80, 90],
                        "wall_s": [1.0, 2.0, 3.0, 4.0, 6.0, 7.0, 8.5, 10.0]})


def test_only_intervals_inside_one_measured_turn_and_epoch_count():
    # Watched from row 1, page loading after row 3 (left out), blank after 4, watched after 6.
    speeds = phase_speeds(BATCHES, [(0, True), (3, None), (4, False), (6, True)], batch_size=32)
    assert speeds[True] == pytest.approx(30 * 32 / 3.5)  # 1->2, 2->3 and 7->8
    assert speeds[False] == pytest.approx(10 * 32 / 1.0)  # 5->6; 4->5 crosses the epoch's end


def test_a_run_too_short_for_both_turns_is_an_error():
    with pytest.raises(ValueError, match="before a blank turn was measured"):
        phase_speeds(BATCHES, [(0, True)], batch_size=32)


def test_a_failed_repeat_is_reported_beside_those_that_succeeded():
    good = {"watched_images_per_s": 99.0, "unwatched_images_per_s": 100.0,
            "watched_cpu_share": 0.02, "unwatched_cpu_share": 0.01}
    summary = summarize([good, "ValueError: the run ended before a blank turn was measured", good])
    assert summary["watch_failed_repeats"] == [
        "ValueError: the run ended before a blank turn was measured"]
    assert summary["watched_vs_unwatched_ratio"] == pytest.approx(0.99)
    assert summary["watched_phase_images_per_s"] == [99.0, 99.0]
    assert summarize(["TimeoutError: x"]) == {"watch_failed_repeats": ["TimeoutError: x"]}


def test_record_targets_are_judged_against_lenet5s_time():
    from benchmarks.records import summarize

    lenet = {"train_seconds": 80.0, "test_accuracy": 0.992}
    fast = [{"train_seconds": seconds, "test_accuracy": accuracy}
            for seconds, accuracy in ((9.0, 0.991), (9.5, 0.990), (9.9, 0.989), (9.0, 0.990), (9.2, 0.992))]
    best = {"train_seconds": 1150.0, "test_accuracy": 0.9961}
    keys = summarize(lenet, fast, best, 0.9958)
    assert keys["fast_mean_test_accuracy_5_seeds"] == pytest.approx(0.9904)
    assert (keys["fast_seconds"], keys["fast_seconds_limit"]) == (9.9, 10.0)
    assert keys["fast_meets_target"] and keys["best_meets_target"]
    slow = summarize(lenet, [*fast[:4], {"train_seconds": 10.1, "test_accuracy": 0.999}], best, 0.99)
    assert not slow["fast_meets_target"]  # one seed over 1/8 of lenet5's time is enough to miss
    assert not summarize(lenet, fast, {**best, "train_seconds": 1201.0}, 0.99)["best_meets_target"]
    assert not summarize(lenet, fast, {**best, "test_accuracy": 0.9959}, 0.99)["best_meets_target"]


def test_percentiles_are_nearest_rank():
    from benchmarks.large_store import percentile

    values = [float(number) for number in range(20, 0, -1)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 1.0)) == (10.0, 19.0, 20.0)
    assert percentile([3.0], 0.95) == 3.0


def test_the_load_benchmark_checks_each_trainers_count_against_the_store(store):
    from benchmarks.load import rows_check
    from tests.fakes import log_batch

    whole, short, silent = (store.create_run({}, name=name) for name in ("whole", "short", "silent"))
    for run_id, points in ((whole, 3), (short, 2), (silent, 1)):
        for step in range(points):
            log_batch(store, run_id, step)
    (store.home / "studies").mkdir()
    (store.home / "studies" / "load.log").write_text(
        f"epoch 1/2 ...\nmetric points of {whole}: 3\nworker 12 leaves\nmetric points of {short}: 3\n")
    assert rows_check(store.home) == {
        "trials": 3, "trial_statuses": {"queued": 3}, "trials_counted": 2, "rows_written": 6,
        "rows_stored_for_them": 5, "rows_mismatched": {short: {"written": 3, "stored": 2}},
        "trials_with_rows_but_no_count": {silent: "queued"}}


def test_a_pages_sessions_are_read_off_its_websocket():
    import base64

    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from benchmarks.timed_dashboard import Sessions

    def frame(message, opcode=2):
        return {"response": {"opcode": opcode, "payloadData": base64.b64encode(
            message.SerializeToString()).decode()}}

    first, second, finished = ForwardMsg(), ForwardMsg(), ForwardMsg()
    first.new_session.initialize.session_id = "first"
    second.new_session.initialize.session_id = "second"
    finished.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    sessions = Sessions()
    for event in (frame(first), frame(finished), frame(first), frame(second, opcode=1), frame(second)):
        sessions.received(event)
    assert sessions.ids == {"first", "second"}


def test_an_actions_server_share_is_its_own_pages_script_runs_within_it(tmp_path):
    import json

    from benchmarks.timed_dashboard import server_share

    runs = [("a", 10.2, 0.3, 0.1), ("a", 10.6, 0.2, 0.2),  # the Errors load's two runs
            ("b", 10.4, 0.5, 0.4),  # another page's fragment, meanwhile
            ("a", 11.5, 0.1, 0.1),  # after the load: a rerun nobody timed
            ("c", 20.1, 0.05, 0.01)]  # the Runs search
    times = tmp_path / "times.jsonl"
    times.write_text("".join(json.dumps({"session": session, "start": start, "wall": wall, "cpu": cpu})
                             + "\n" for session, start, wall, cpu in runs))
    share = server_share([("errors", "load", 10.0, 11.0), ("runs", "rerun", 20.0, 20.5),
                          ("runs", "load", 30.0, 31.0)],
                         {"errors": {"a"}, "runs": {"c", "d"}, "experiments": {"b"}}, times)
    assert {kind: dict(pages) for kind, pages in share["wall"].items()} == {
        "load": {"errors": [0.5], "runs": [0]}, "rerun": {"runs": [0.05]}}
    assert share["cpu"]["load"]["errors"] == pytest.approx([0.3])
