"""Known-answer tests for mnist_lab.analysis's metrics on tiny hand-made predictions."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mnist_lab import analysis
from mnist_lab.analysis import error_table, significance

# Ten samples whose confusion matrix is easy to state: 0 read once as 1, 2 read twice as 7.
Y_TRUE = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 3])
Y_PRED = np.array([0, 0, 1, 1, 1, 2, 7, 7, 2, 3])


def probability_row(predicted, confidence, second=None):
    """A probability vector whose argmax is `predicted`; `second` takes most of the rest."""
    row = np.full(10, (1 - confidence) / 9)
    if second is not None:
        row[:] = (1 - confidence) * 0.2 / 8
        row[second] = (1 - confidence) * 0.8
    row[predicted] = confidence
    return row


def test_confusion_matrix_counts_each_cell():
    matrix = analysis.confusion_matrix(Y_TRUE, Y_PRED)
    expected = np.zeros((10, 10), dtype=int)
    expected[0, 0], expected[0, 1], expected[1, 1] = 2, 1, 2
    expected[2, 2], expected[2, 7], expected[3, 3] = 2, 2, 1
    np.testing.assert_array_equal(matrix, expected)


def test_confusion_matrix_normalized_rows_sum_to_one_and_empty_rows_stay_zero():
    rates = analysis.confusion_matrix(Y_TRUE, Y_PRED, normalize="true")
    np.testing.assert_allclose(rates[0, :2], [2 / 3, 1 / 3])
    np.testing.assert_allclose(rates[:4].sum(axis=1), 1.0)
    np.testing.assert_array_equal(rates[4:], 0.0)


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        ([0, 1], [0], "y_true has 2, y_pred has 1"),
        ([0, 10], [0, 1], "found 10"),
        ([[0, 1]], [0, 1], "y_true must be 1-D"),
        ([0.5, 1.0], [0, 1], "integer class labels"),
    ],
)
def test_confusion_matrix_rejects_bad_labels(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        analysis.confusion_matrix(y_true, y_pred)


def test_confusion_matrix_rejects_unknown_normalize():
    with pytest.raises(ValueError, match="'all'"):
        analysis.confusion_matrix(Y_TRUE, Y_PRED, normalize="all")


def test_top_confused_pairs_orders_by_count_then_rate_then_class():
    matrix = np.zeros((10, 10), dtype=int)
    matrix[5, 5], matrix[5, 3] = 7, 3  # 3 of 10 fives
    matrix[4, 4], matrix[4, 9] = 3, 3  # 3 of 6 fours: same count, higher rate
    matrix[1, 7], matrix[6, 0] = 1, 1  # equal count and rate: class order decides
    pairs = analysis.top_confused_pairs(matrix)
    assert [(p.true_class, p.predicted_class, p.count) for p in pairs] == [
        (4, 9, 3), (5, 3, 3), (1, 7, 1), (6, 0, 1)
    ]
    assert pairs[0].rate_of_true_class == pytest.approx(0.5)
    assert len(analysis.top_confused_pairs(matrix, k=2)) == 2


def test_top_confused_pairs_of_a_perfect_model_is_empty():
    assert analysis.top_confused_pairs(np.eye(10, dtype=int) * 5) == []


def test_per_class_metrics_match_hand_computation():
    scores = analysis.per_class_metrics(Y_TRUE, Y_PRED)
    assert scores.precision[1] == pytest.approx(2 / 3)
    assert scores.recall[2] == pytest.approx(0.5)
    assert scores.f1[2] == pytest.approx(2 / 3)
    assert scores.precision[7] == 0.0  # only wrong predictions of 7
    np.testing.assert_array_equal(scores.support, [3, 2, 4, 1, 0, 0, 0, 0, 0, 0])
    rows = scores.to_rows()
    assert len(rows) == 10
    assert rows[2] == {"class": 2, "precision": 1.0, "recall": 0.5,
                       "f1": pytest.approx(2 / 3), "support": 4}


# Five 2s: three read as 7 (confidence 0.9, 0.6, 0.8), two of them with 2 as second choice.
PAIR_Y_TRUE = np.array([2, 2, 2, 2, 2, 7, 7])
PAIR_PROBABILITIES = np.array([
    probability_row(7, 0.9, second=2),
    probability_row(2, 0.95),
    probability_row(7, 0.6, second=1),
    probability_row(7, 0.8, second=2),
    probability_row(2, 0.7),
    probability_row(7, 0.99),
    probability_row(2, 0.85),
])


def test_pair_indices_are_the_cell_sorted_by_confidence():
    indices = analysis.pair_indices(PAIR_Y_TRUE, PAIR_PROBABILITIES, 2, 7)
    np.testing.assert_array_equal(indices, [0, 3, 2])
    matrix = analysis.confusion_matrix(PAIR_Y_TRUE, PAIR_PROBABILITIES.argmax(axis=1))
    assert len(indices) == matrix[2, 7]
    np.testing.assert_array_equal(
        analysis.pair_indices(PAIR_Y_TRUE, PAIR_PROBABILITIES, 2, 2), [1, 4])


def test_pair_indices_rejects_probabilities_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"shape \(n_samples, 10\), got \(7, 9\)"):
        analysis.pair_indices(PAIR_Y_TRUE, PAIR_PROBABILITIES[:, :9], 2, 7)
    with pytest.raises(ValueError, match="6 rows but y_true has 7"):
        analysis.pair_indices(PAIR_Y_TRUE, PAIR_PROBABILITIES[:6], 2, 7)
    with pytest.raises(ValueError, match="predicted_class must be a class 0..9, got 11"):
        analysis.pair_indices(PAIR_Y_TRUE, PAIR_PROBABILITIES, 2, 11)


def test_summarize_pair_figures_and_text():
    summary = analysis.summarize_pair(PAIR_Y_TRUE, PAIR_PROBABILITIES, 2, 7)
    assert (summary.error_count, summary.true_class_count) == (3, 5)
    assert summary.share_of_true_class == pytest.approx(0.6)
    assert summary.median_confidence == pytest.approx(0.8)
    assert summary.second_choice_count == 2
    expected_mean = np.mean([0.1 * 0.8, 0.4 * 0.2 / 8, 0.2 * 0.8])
    assert summary.mean_true_probability == pytest.approx(expected_mean)
    assert summary.text() == (
        "3 of 5 test 2s (60.0%) were read as 7. Median confidence in the wrong answer: "
        "0.80. The true digit was the second choice in 2 of 3 (67%). Mean probability "
        "given to 2: 0.08."
    )


def test_summarize_pair_with_no_errors_has_its_own_sentence():
    summary = analysis.summarize_pair(PAIR_Y_TRUE, PAIR_PROBABILITIES, 7, 3)
    assert summary.error_count == 0
    assert math.isnan(summary.median_confidence)
    assert summary.text() == "None of the 2 test 7s were read as 3."
    absent = analysis.summarize_pair(PAIR_Y_TRUE, PAIR_PROBABILITIES, 4, 2)
    assert absent.text() == "There are no test 4s in this set."


def test_summarize_pair_rejects_a_diagonal_cell():
    with pytest.raises(ValueError, match="both 2"):
        analysis.summarize_pair(PAIR_Y_TRUE, PAIR_PROBABILITIES, 2, 2)


def test_mean_images_scales_uint8_and_accepts_a_channel_axis():
    images = np.zeros((3, 28, 28, 1), dtype=np.uint8)
    images[0, 0, 0], images[1, 0, 0] = 255, 51
    means = analysis.mean_images(images, [4, 4, 9])
    assert means.shape == (10, 28, 28)
    assert means[4, 0, 0] == pytest.approx(0.6)
    assert means[0].sum() == 0.0  # no zeros in the set
    difference = analysis.mean_difference(images, [4, 4, 9], 4, 9)
    assert difference[0, 0] == pytest.approx(0.6)


def test_mean_difference_rejects_a_class_without_images():
    with pytest.raises(ValueError, match="class_b 3 has no images"):
        analysis.mean_difference(np.zeros((2, 28, 28)), [4, 9], 4, 3)


def test_nearest_neighbors_finds_closest_and_breaks_ties_by_index():
    references = np.array([[[0, 0], [0, 0]], [[1, 1], [1, 1]],
                           [[1, 0], [0, 0]], [[1, 1], [1, 1]]], dtype=np.float32)
    queries = np.array([[[0.9, 1, 1, 1]]], dtype=np.float32).reshape(1, 2, 2)
    np.testing.assert_array_equal(
        analysis.nearest_neighbors(queries, references, k=3), [[1, 3, 2]])


def test_nearest_neighbors_in_chunks_matches_brute_force():
    generator = np.random.default_rng(0)
    references = generator.integers(0, 256, (50, 6, 6), dtype=np.uint8)
    queries = generator.integers(0, 256, (7, 6, 6), dtype=np.uint8)
    distances = ((queries[:, None].astype(float) - references[None].astype(float)) ** 2)
    expected = np.argsort(distances.sum(axis=(2, 3)), axis=1, kind="stable")[:, :4]
    found = analysis.nearest_neighbors(queries, references, k=4, chunk_elements=60)
    np.testing.assert_array_equal(found, expected)


def test_nearest_neighbors_rejects_k_larger_than_the_reference_set():
    with pytest.raises(ValueError, match="k must be between 1 and 2"):
        analysis.nearest_neighbors(np.zeros((1, 3, 3)), np.zeros((2, 3, 3)), k=3)


def errors_fixture():
    y_true = np.array([3, 5, 5, 1, 8])
    probabilities = np.array([
        probability_row(3, 0.9),            # right
        probability_row(6, 0.7, second=5),  # 5 read as 6
        probability_row(3, 0.95),           # 5 read as 3
        probability_row(7, 1.0),            # 1 read as 7 with p(1) = 0
        probability_row(8, 0.6),            # right
    ])
    return y_true, probabilities


def test_errors_table_has_one_row_per_mistake():
    table = error_table.errors_table(*errors_fixture())
    assert list(table.columns) == ["index", "true", "predicted", "confidence",
                                   "true_probability", "loss", "top3"]
    assert table["index"].tolist() == [1, 2, 3]
    assert table["predicted"].tolist() == [6, 3, 7]
    assert table.loc[0, "true_probability"] == pytest.approx(0.24)
    assert table.loc[0, "loss"] == pytest.approx(-math.log(0.24))
    assert table.loc[2, "loss"] == pytest.approx(-math.log(1e-7))
    top3 = table.loc[0, "top3"]
    assert [digit for digit, _ in top3] == [6, 5, 0]
    assert top3[0][1] == pytest.approx(0.7)


def test_errors_table_of_a_perfect_model_is_empty_with_columns():
    table = error_table.errors_table([1, 2], [probability_row(1, 0.9), probability_row(2, 0.9)])
    assert table.empty
    assert "confidence" in table.columns
    rows, page_count = error_table.page(error_table.filter_errors(table, true_class=1), 1, 20)
    assert (len(rows), page_count) == (0, 1)


def test_filter_errors_filters_and_sorts():
    table = error_table.errors_table(*errors_fixture())
    assert error_table.filter_errors(table)["index"].tolist() == [3, 2, 1]
    by_loss = error_table.filter_errors(table, sort_by="loss", descending=False)
    assert by_loss["index"].tolist() == [1, 2, 3]
    fives = error_table.filter_errors(table, true_class=5, max_confidence=0.9)
    assert fives["index"].tolist() == [1]
    assert error_table.filter_errors(table, predicted_class=3)["index"].tolist() == [2]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sort_by": "index"}, "sort_by must be one of"),
        ({"min_confidence": 0.8, "max_confidence": 0.2}, "got 0.8 and 0.2"),
        ({"true_class": -1}, "true_class must be a class 0..9, got -1"),
    ],
)
def test_filter_errors_rejects_bad_options(options, message):
    with pytest.raises(ValueError, match=message):
        error_table.filter_errors(error_table.errors_table(*errors_fixture()), **options)


def test_page_cuts_rows_and_counts_pages():
    table = pd.DataFrame({"value": range(7)})
    rows, page_count = error_table.page(table, 3, 3)
    assert page_count == 3
    assert rows["value"].tolist() == [6]
    assert error_table.page(table.iloc[:0], 1, 3)[1] == 1
    with pytest.raises(ValueError, match="page_number 4 is out of range: there are 3 pages"):
        error_table.page(table, 4, 3)
    with pytest.raises(ValueError, match="page_size must be a positive integer, got 0"):
        error_table.page(table, 1, 0)


def correctness(both_right, a_only, b_only, both_wrong):
    correct_a = [True] * both_right + [True] * a_only + [False] * b_only + [False] * both_wrong
    correct_b = [True] * both_right + [False] * a_only + [True] * b_only + [False] * both_wrong
    return np.array(correct_a), np.array(correct_b)


def test_mcnemar_uses_chi_square_with_continuity_correction_for_many_differences():
    result = significance.mcnemar(*correctness(900, 41, 19, 40))
    assert (result.a_right_b_wrong, result.a_wrong_b_right) == (41, 19)
    assert result.p_value == pytest.approx(stats.chi2.sf(21**2 / 60, df=1))
    assert result.method == "chi-square with continuity correction"
    assert result.text() == ("A is right where B is wrong on 41 digits, the reverse on 19; "
                             "p = 0.007: the difference is unlikely to be chance.")


def test_mcnemar_uses_the_exact_binomial_test_for_few_differences():
    result = significance.mcnemar(*correctness(50, 8, 2, 0))
    assert result.p_value == pytest.approx(112 / 1024)
    assert result.method == "exact binomial"
    assert result.text("CNN", "MLP").endswith("p = 0.109: the difference could well be chance.")


def test_mcnemar_with_identical_correctness_has_nothing_to_test():
    result = significance.mcnemar([True, False], [True, False])
    assert result.p_value == 1.0
    assert "exactly the same digits" in result.text()
    with pytest.raises(ValueError, match="correct_a must hold booleans"):
        significance.mcnemar([0.5, 1.0], [True, False])


def test_mean_with_interval_uses_the_t_distribution():
    mean, std, low, high = significance.mean_with_interval([1.0, 2.0, 3.0])
    half_width = 4.302652729911275 / math.sqrt(3)
    assert (mean, std) == (pytest.approx(2.0), pytest.approx(1.0))
    assert (low, high) == (pytest.approx(2 - half_width), pytest.approx(2 + half_width))
    assert significance.mean_with_interval([0.99]) == (0.99, 0.0, 0.99, 0.99)
    with pytest.raises(ValueError, match="non-empty"):
        significance.mean_with_interval([])


def test_ensemble_reports_members_and_leave_one_out_contributions():
    y_true = np.array([0, 1, 2])
    # A is right on 0 and 1, B on 1 and 2, C only on 2 but confidently.
    member_a = np.array([probability_row(0, 0.7), probability_row(1, 0.7),
                         probability_row(5, 0.7)])
    member_b = np.array([probability_row(5, 0.6), probability_row(1, 0.6),
                         probability_row(2, 0.6)])
    member_c = np.array([probability_row(5, 0.5), probability_row(5, 0.5),
                         probability_row(2, 0.9)])
    result = significance.ensemble([member_a, member_b, member_c], y_true, names=["a", "b", "c"])
    assert result.names == ("a", "b", "c")
    assert result.member_accuracies == pytest.approx((2 / 3, 2 / 3, 1 / 3))
    assert result.accuracy == pytest.approx(2 / 3)  # B and C outvote A on sample 0
    # Only dropping B changes anything: A and C together get all three right.
    assert result.contributions == pytest.approx((0.0, 2 / 3 - 1.0, 0.0))
    pair = significance.ensemble([member_a, member_c], y_true)
    assert pair.names == ("model 1", "model 2")
    assert pair.accuracy == pytest.approx(1.0)
    # With two members, leaving one out leaves the other alone.
    assert pair.contributions == pytest.approx((1.0 - 1 / 3, 1.0 - 2 / 3))


def test_ensemble_needs_two_members():
    with pytest.raises(ValueError, match="at least 2 members, got 1"):
        significance.ensemble([np.eye(10)], np.arange(10))


def test_disagreements_split_the_samples_where_one_model_is_right():
    a_only, b_only = significance.disagreements([1, 2, 3, 4], [1, 2, 0, 0], [1, 0, 3, 0])
    np.testing.assert_array_equal(a_only, [1])
    np.testing.assert_array_equal(b_only, [2])


def test_holm_adjusts_step_down_and_keeps_the_order():
    # Sorted 0.01, 0.02, 0.04: times 3, 2, 1 -> 0.03, 0.04, 0.04 (never below the one before).
    assert significance.holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert significance.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert significance.holm([]) == []


def test_welch_p_value_tells_a_real_gap_from_noise():
    assert significance.welch_p_value([0.990, 0.991, 0.992], [0.980, 0.981, 0.982]) < 0.001
    assert significance.welch_p_value([0.990, 0.985, 0.995], [0.989, 0.994, 0.984]) > 0.5
    assert significance.welch_p_value([0.99, 0.99], [0.99, 0.99]) == 1.0
    with pytest.raises(ValueError, match="2 or more values on each side, got 1 and 3"):
        significance.welch_p_value([0.99], [0.98, 0.97, 0.96])
