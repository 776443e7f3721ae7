//! Evaluation metrics, computed from labels and predicted probabilities (or values) on the host,
//! so every backend and every page reports them the same way. Names follow scikit-learn.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Precision, recall and F1 for one class, with how many rows truly belong to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    pub accuracy: f64,
    pub per_class: Vec<ClassScores>,
    pub macro_precision: f64,
    pub macro_recall: f64,
    pub macro_f1: f64,
    /// `confusion[actual][predicted]` row counts.
    pub confusion: Vec<Vec<usize>>,
    /// Binary: the AUC of the positive class (index 1). More classes: the macro average of
    /// one-vs-rest AUCs over the classes present with both outcomes. `None` when undefined
    /// (a single class in the labels).
    pub roc_auc: Option<f64>,
    pub log_loss: f64,
    /// Binary: the positive class's curve. More classes: one-vs-rest, one per class. Thinned to
    /// [`MAX_ROC_POINTS`] each so a stored report stays small; reports saved before curves
    /// existed load with none.
    #[serde(default)]
    pub roc_curves: Vec<RocCurve>,
}

/// One class's ROC curve against the rest, for drawing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RocCurve {
    pub class: usize,
    /// `None` when the labels hold only one side (the class always, or never).
    pub auc: Option<f64>,
    /// (false positive rate, true positive rate), both non-decreasing, from the first threshold
    /// to the last.
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionReport {
    pub mse: f64,
    pub rmse: f64,
    pub mae: f64,
    /// 1 − SS_res / SS_tot; `None` when the targets are all equal (SS_tot = 0).
    pub r2: Option<f64>,
    /// (actual, predicted) in the target's units, for a predicted-vs-actual plot: every row up
    /// to [`MAX_REGRESSION_POINTS`], an even stride through them beyond. Empty in reports saved
    /// before points existed.
    #[serde(default)]
    pub points: Vec<(f32, f32)>,
}

/// A model's scores on one split, for the task it was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Report {
    Classification(ClassificationReport),
    Regression(RegressionReport),
}

impl Report {
    /// The one number a person compares runs by: accuracy, or R² for a number.
    pub fn headline(&self) -> Option<f64> {
        match self {
            Report::Classification(report) => Some(report.accuracy),
            Report::Regression(report) => report.r2,
        }
    }

    pub fn headline_name(&self) -> &'static str {
        match self {
            Report::Classification(_) => "accuracy",
            Report::Regression(_) => "R²",
        }
    }
}

/// A test report as the metrics a run records (`test_accuracy`, `test_rmse`, ...): the names
/// gates, Compare and a version's claims use, so anything scored later compares with them.
pub fn test_metrics(report: &Report) -> BTreeMap<String, f64> {
    let mut metrics = BTreeMap::new();
    match report {
        Report::Classification(report) => {
            metrics.insert("test_accuracy".into(), report.accuracy);
            metrics.insert("test_f1_macro".into(), report.macro_f1);
            metrics.insert("test_log_loss".into(), report.log_loss);
            if let Some(auc) = report.roc_auc {
                metrics.insert("test_roc_auc".into(), auc);
            }
        }
        Report::Regression(report) => {
            metrics.insert("test_rmse".into(), report.rmse);
            metrics.insert("test_mae".into(), report.mae);
            if let Some(r2) = report.r2 {
                metrics.insert("test_r2".into(), r2);
            }
        }
    }
    metrics
}

/// How a finished run's model scores on the data it did not train on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The epoch whose weights the model kept (the best one under early stopping).
    pub best_epoch: usize,
    pub validation: Option<Report>,
    /// The held-out estimate; `None` when the split kept no test rows.
    pub test: Option<Report>,
}

/// A curve drawn a few hundred pixels wide gains nothing from more points, and a 100-class
/// report keeps one curve per class.
pub const MAX_ROC_POINTS: usize = 101;

/// Enough to show the shape of the errors; a stored report stays a few tens of kilobytes.
pub const MAX_REGRESSION_POINTS: usize = 2_000;

/// Probabilities are clipped to this before taking logs, as scikit-learn does.
const PROBABILITY_FLOOR: f64 = 1e-15;

/// `probabilities` is row-major, `labels.len() × class_count`; each row sums to 1.
pub fn classification_report(
    labels: &[u32],
    probabilities: &[f32],
    class_count: usize,
) -> ClassificationReport {
    assert_eq!(
        probabilities.len(),
        labels.len() * class_count,
        "one probability per row and class"
    );
    let rows: Vec<&[f32]> = probabilities.chunks(class_count.max(1)).collect();
    let predicted: Vec<usize> = rows.iter().map(|row| argmax(row)).collect();

    let mut confusion = vec![vec![0usize; class_count]; class_count];
    for (&actual, &guess) in labels.iter().zip(&predicted) {
        confusion[actual as usize][guess] += 1;
    }
    let correct: usize = (0..class_count).map(|c| confusion[c][c]).sum();
    let per_class: Vec<ClassScores> = (0..class_count)
        .map(|class| {
            let true_positive = confusion[class][class] as f64;
            let predicted_count: usize = (0..class_count)
                .map(|actual| confusion[actual][class])
                .sum();
            let support: usize = confusion[class].iter().sum();
            let precision = ratio(true_positive, predicted_count as f64);
            let recall = ratio(true_positive, support as f64);
            let f1 = ratio(2.0 * precision * recall, precision + recall);
            ClassScores {
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect();
    let mean = |score: fn(&ClassScores) -> f64| {
        per_class.iter().map(score).sum::<f64>() / class_count.max(1) as f64
    };

    let curve_classes = if class_count == 2 {
        1..2
    } else {
        0..class_count
    };
    let roc_curves: Vec<RocCurve> = curve_classes
        .map(|class| RocCurve {
            class,
            auc: binary_auc(&one_vs_rest(labels, &rows, class)),
            points: thin_curve(
                &roc_curve(labels, probabilities, class_count, class),
                MAX_ROC_POINTS,
            ),
        })
        .collect();

    let log_loss = labels
        .iter()
        .zip(&rows)
        .map(|(&label, row)| {
            -f64::from(row[label as usize])
                .clamp(PROBABILITY_FLOOR, 1.0)
                .ln()
        })
        .sum::<f64>()
        / labels.len().max(1) as f64;

    ClassificationReport {
        accuracy: ratio(correct as f64, labels.len() as f64),
        macro_precision: mean(|s| s.precision),
        macro_recall: mean(|s| s.recall),
        macro_f1: mean(|s| s.f1),
        per_class,
        confusion,
        roc_auc: roc_auc(&roc_curves),
        log_loss,
        roc_curves,
    }
}

pub fn regression_report(targets: &[f32], predictions: &[f32]) -> RegressionReport {
    assert_eq!(
        targets.len(),
        predictions.len(),
        "one prediction per target"
    );
    let count = targets.len().max(1) as f64;
    let errors = targets
        .iter()
        .zip(predictions)
        .map(|(&t, &p)| f64::from(p) - f64::from(t));
    let sum_squared: f64 = errors.clone().map(|e| e * e).sum();
    let mse = sum_squared / count;
    let mean_target = targets.iter().map(|&t| f64::from(t)).sum::<f64>() / count;
    let total: f64 = targets
        .iter()
        .map(|&t| (f64::from(t) - mean_target).powi(2))
        .sum();
    RegressionReport {
        mse,
        rmse: mse.sqrt(),
        mae: errors.map(f64::abs).sum::<f64>() / count,
        r2: (total > 0.0).then(|| 1.0 - sum_squared / total),
        points: strided(targets.len(), MAX_REGRESSION_POINTS)
            .map(|row| (targets[row], predictions[row]))
            .collect(),
    }
}

/// Points of the ROC curve of `class` against the rest: (false positive rate, true positive
/// rate), from (0, 0) to (1, 1), one point per distinct score.
pub fn roc_curve(
    labels: &[u32],
    probabilities: &[f32],
    class_count: usize,
    class: usize,
) -> Vec<(f64, f64)> {
    let mut scored: Vec<(f32, bool)> = probabilities
        .chunks(class_count)
        .zip(labels)
        .map(|(row, &label)| (row[class], label as usize == class))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives = scored.iter().filter(|(_, p)| *p).count() as f64;
    let negatives = scored.len() as f64 - positives;
    let mut curve = vec![(0.0, 0.0)];
    let (mut true_positives, mut false_positives) = (0.0, 0.0);
    for (i, &(score, is_positive)) in scored.iter().enumerate() {
        if is_positive {
            true_positives += 1.0;
        } else {
            false_positives += 1.0;
        }
        let last_of_score = scored.get(i + 1).is_none_or(|next| next.0 != score);
        if last_of_score {
            curve.push((
                ratio(false_positives, negatives),
                ratio(true_positives, positives),
            ));
        }
    }
    curve
}

/// One curve (binary) reports its own AUC; one-vs-rest curves the mean of those defined.
fn roc_auc(curves: &[RocCurve]) -> Option<f64> {
    let defined: Vec<f64> = curves.iter().filter_map(|curve| curve.auc).collect();
    (!defined.is_empty()).then(|| defined.iter().sum::<f64>() / defined.len() as f64)
}

fn one_vs_rest(labels: &[u32], rows: &[&[f32]], class: usize) -> Vec<(f32, bool)> {
    rows.iter()
        .zip(labels)
        .map(|(row, &label)| (row[class], label as usize == class))
        .collect()
}

/// Keeps at most `max` points of a curve rising in both coordinates, always its first and last.
/// Points are picked at even steps of x + y, which for such a curve is its length measured along
/// the axes: an even stride by index would crowd points where many scores barely move the curve
/// and cut the corners where it jumps.
fn thin_curve(points: &[(f64, f64)], max: usize) -> Vec<(f64, f64)> {
    let max = max.max(2);
    if points.len() <= max {
        return points.to_vec();
    }
    let last = points.len() - 1;
    let walked = |index: usize| points[index].0 + points[index].1;
    let (start, length) = (walked(0), walked(last) - walked(0));
    let mut kept = vec![points[0]];
    let (mut next, mut previous) = (0, 0);
    for step in 1..max - 1 {
        let target = start + length * step as f64 / (max - 1) as f64;
        while next < last && walked(next) < target {
            next += 1;
        }
        if next == last {
            break;
        }
        if next != previous {
            kept.push(points[next]);
            previous = next;
        }
    }
    kept.push(points[last]);
    kept
}

/// Up to `max` row indices, evenly spread over `0..len`, in order, starting at 0. The product
/// is taken in u64 because wasm32's usize would overflow past two million rows.
fn strided(len: usize, max: usize) -> impl Iterator<Item = usize> {
    let kept = len.min(max);
    (0..kept).map(move |i| (i as u64 * len as u64 / kept as u64) as usize)
}

/// The Mann-Whitney form of the AUC, with tied scores given their average rank.
fn binary_auc(scores: &[(f32, bool)]) -> Option<f64> {
    let positives = scores.iter().filter(|(_, p)| *p).count();
    let negatives = scores.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut sorted = scores.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut positive_rank_sum = 0.0;
    let mut start = 0;
    while start < sorted.len() {
        let end = start
            + sorted[start..]
                .iter()
                .take_while(|(s, _)| *s == sorted[start].0)
                .count();
        let average_rank = (start + 1 + end) as f64 / 2.0;
        positive_rank_sum +=
            average_rank * sorted[start..end].iter().filter(|(_, p)| *p).count() as f64;
        start = end;
    }
    let (positives, negatives) = (positives as f64, negatives as f64);
    Some((positive_rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// The predicted class of a row of scores: the first of the highest. Training accuracy counts
/// with it too, so every accuracy Kindling reports picks classes the same way.
pub fn argmax(row: &[f32]) -> usize {
    row.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &p)| {
            if p > best.1 { (i, p) } else { best }
        })
        .0
}

/// `numerator / denominator`, or 0 where the denominator is 0 (scikit-learn's zero_division=0).
fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator == 0.0 {
        0.0
    } else {
        numerator / denominator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn three_class_scores_match_a_hand_count() {
        // actual:    0 0 0 1 1 2
        // predicted: 0 0 1 1 2 2
        let labels = [0, 0, 0, 1, 1, 2];
        let one_hot = |c: usize| {
            let mut row = [0.1f32; 3];
            row[c] = 0.8;
            row
        };
        let probabilities: Vec<f32> = [0, 0, 1, 1, 2, 2]
            .iter()
            .flat_map(|&c| one_hot(c))
            .collect();
        let report = classification_report(&labels, &probabilities, 3);
        assert_eq!(
            report.confusion,
            vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]
        );
        close(report.accuracy, 4.0 / 6.0);
        // class 0: P = 2/2, R = 2/3; class 1: P = 1/2, R = 1/2; class 2: P = 1/2, R = 1/1.
        close(report.per_class[0].precision, 1.0);
        close(report.per_class[0].recall, 2.0 / 3.0);
        close(report.per_class[0].f1, 0.8);
        close(report.per_class[1].f1, 0.5);
        close(report.per_class[2].f1, 2.0 / 3.0);
        assert_eq!(
            report
                .per_class
                .iter()
                .map(|s| s.support)
                .collect::<Vec<_>>(),
            [3, 2, 1]
        );
        close(report.macro_precision, (1.0 + 0.5 + 0.5) / 3.0);
        close(report.macro_f1, (0.8 + 0.5 + 2.0 / 3.0) / 3.0);
        // The true class got 0.8 on 4 rows and 0.1 on 2.
        close(
            report.log_loss,
            -(4.0 * f64::from(0.8f32).ln() + 2.0 * f64::from(0.1f32).ln()) / 6.0,
        );
    }

    #[test]
    fn binary_auc_counts_ordered_pairs_and_half_ties() {
        // Positive scores 0.9, 0.4; negative 0.4, 0.1: pairs (0.9>0.4), (0.9>0.1), (0.4=0.4 → ½),
        // (0.4>0.1) → 3.5 of 4.
        let labels = [1, 1, 0, 0];
        let probabilities = [0.1, 0.9, 0.6, 0.4, 0.6, 0.4, 0.9, 0.1];
        let report = classification_report(&labels, &probabilities, 2);
        close(report.roc_auc.unwrap(), 3.5 / 4.0);
    }

    #[test]
    fn auc_is_undefined_for_a_single_class() {
        let report = classification_report(&[0, 0], &[0.7, 0.3, 0.6, 0.4], 2);
        assert_eq!(report.roc_auc, None);
        close(report.accuracy, 1.0);
        assert_eq!(report.per_class[1].precision, 0.0, "no division by zero");
    }

    #[test]
    fn one_vs_rest_auc_averages_the_classes() {
        // A perfect ranking for every class gives 1.
        let labels = [0, 1, 2];
        let probabilities = [0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8];
        close(
            classification_report(&labels, &probabilities, 3)
                .roc_auc
                .unwrap(),
            1.0,
        );
    }

    #[test]
    fn roc_curve_runs_from_origin_to_one_one() {
        let labels = [1, 1, 0, 0];
        let probabilities = [0.1, 0.9, 0.6, 0.4, 0.6, 0.4, 0.9, 0.1];
        let curve = roc_curve(&labels, &probabilities, 2, 1);
        assert_eq!(curve, vec![(0.0, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 1.0)]);
    }

    #[test]
    fn regression_errors_match_a_hand_count() {
        let targets = [1.0, 2.0, 3.0, 4.0];
        let predictions = [1.5, 2.0, 2.0, 5.0];
        let report = regression_report(&targets, &predictions);
        // errors 0.5, 0, -1, 1 → squared 0.25, 0, 1, 1; SS_tot = 5.
        close(report.mse, 2.25 / 4.0);
        close(report.rmse, (2.25f64 / 4.0).sqrt());
        close(report.mae, 2.5 / 4.0);
        close(report.r2.unwrap(), 1.0 - 2.25 / 5.0);
        assert_eq!(regression_report(&[3.0, 3.0], &[3.0, 2.0]).r2, None);
    }

    /// Distinct, scattered scores: a curve with one point per row.
    fn noisy_binary(rows: usize) -> (Vec<u32>, Vec<f32>) {
        let mut state = 12_345u32;
        let mut next = || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            f64::from(state >> 8) / f64::from(1u32 << 24)
        };
        let labels: Vec<u32> = (0..rows).map(|_| u32::from(next() < 0.3)).collect();
        let probabilities = labels
            .iter()
            .flat_map(|&label| {
                let positive = (0.6 * next() + 0.4 * f64::from(label)) as f32;
                [1.0 - positive, positive]
            })
            .collect();
        (labels, probabilities)
    }

    #[test]
    fn stored_roc_curves_are_thinned_monotone_and_span_the_square() {
        let (labels, probabilities) = noisy_binary(5_000);
        let full = roc_curve(&labels, &probabilities, 2, 1);
        assert!(full.len() > 1_000, "the test needs a long curve");
        let report = classification_report(&labels, &probabilities, 2);
        let points = &report.roc_curves[0].points;
        assert!(points.len() <= MAX_ROC_POINTS, "{} points", points.len());
        assert!(
            points.len() > 90,
            "thinning should keep close to the budget"
        );
        assert_eq!(points.first(), Some(&(0.0, 0.0)));
        assert_eq!(points.last(), Some(&(1.0, 1.0)));
        for pair in points.windows(2) {
            assert!(pair[0].0 <= pair[1].0 && pair[0].1 <= pair[1].1, "{pair:?}");
            assert_ne!(pair[0], pair[1], "no repeated points");
        }
        assert!(points.iter().all(|p| full.contains(p)), "only real points");
    }

    #[test]
    fn thinning_keeps_the_corners_of_a_jumping_curve() {
        // Rises 0.9 at once, then crawls along in tiny steps.
        let mut curve = vec![(0.0, 0.0), (0.0, 0.9)];
        curve.extend((1..=1_000).map(|i| (f64::from(i) / 1_000.0, 0.9 + f64::from(i) / 10_000.0)));
        let thinned = thin_curve(&curve, MAX_ROC_POINTS);
        assert!(thinned.len() <= MAX_ROC_POINTS);
        assert_eq!(&thinned[..2], &[(0.0, 0.0), (0.0, 0.9)]);
        assert_eq!(thinned.last(), Some(&(1.0, 1.0)));
        let short = [(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)];
        assert_eq!(thin_curve(&short, MAX_ROC_POINTS), short);
    }

    #[test]
    fn binary_reports_the_positive_curve_and_more_classes_one_each() {
        let labels = [1, 1, 0, 0];
        let probabilities = [0.1, 0.9, 0.6, 0.4, 0.6, 0.4, 0.9, 0.1];
        let binary = classification_report(&labels, &probabilities, 2);
        assert_eq!(binary.roc_curves.len(), 1);
        assert_eq!(binary.roc_curves[0].class, 1);
        assert_eq!(binary.roc_curves[0].auc, binary.roc_auc);
        assert_eq!(
            binary.roc_curves[0].points,
            roc_curve(&labels, &probabilities, 2, 1)
        );

        let labels = [0, 1, 2, 0];
        let probabilities = [0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8, 0.3, 0.6, 0.1];
        let three = classification_report(&labels, &probabilities, 3);
        let classes: Vec<usize> = three.roc_curves.iter().map(|c| c.class).collect();
        assert_eq!(classes, [0, 1, 2]);
        let mean = three.roc_curves.iter().map(|c| c.auc.unwrap()).sum::<f64>() / 3.0;
        close(three.roc_auc.unwrap(), mean);
    }

    #[test]
    fn a_class_missing_from_the_labels_has_a_curve_without_an_auc() {
        let labels = [0, 1, 0];
        let probabilities = [0.7, 0.2, 0.1, 0.2, 0.7, 0.1, 0.5, 0.3, 0.2];
        let report = classification_report(&labels, &probabilities, 3);
        assert_eq!(report.roc_curves.len(), 3);
        assert_eq!(report.roc_curves[2].auc, None);
        assert!(report.roc_curves[0].auc.is_some());
    }

    #[test]
    fn regression_points_pair_actual_with_predicted() {
        let report = regression_report(&[1.0, 2.0, 3.0], &[1.5, 2.0, 2.5]);
        assert_eq!(report.points, [(1.0, 1.5), (2.0, 2.0), (3.0, 2.5)]);
    }

    #[test]
    fn regression_points_are_capped_by_an_even_stride() {
        let targets: Vec<f32> = (0..5_001).map(|i| i as f32).collect();
        let predictions: Vec<f32> = targets.iter().map(|t| t * 2.0).collect();
        let points = regression_report(&targets, &predictions).points;
        assert_eq!(points.len(), MAX_REGRESSION_POINTS);
        assert_eq!(points[0], (0.0, 0.0));
        assert!(
            points
                .iter()
                .all(|&(actual, predicted)| predicted == actual * 2.0)
        );
        assert!(points.windows(2).all(|pair| {
            let gap = pair[1].0 - pair[0].0;
            (2.0..=3.0).contains(&gap)
        }));
        assert!(
            points.last().unwrap().0 >= 4_997.0,
            "reaches the end of the rows"
        );
    }

    #[test]
    fn reports_stored_before_curves_and_points_still_load() {
        let classification = r#"{"accuracy":1.0,"per_class":[],"macro_precision":1.0,
            "macro_recall":1.0,"macro_f1":1.0,"confusion":[],"roc_auc":null,"log_loss":0.0}"#;
        let report: ClassificationReport = serde_json::from_str(classification).unwrap();
        assert!(report.roc_curves.is_empty());
        let regression = r#"{"mse":0.0,"rmse":0.0,"mae":0.0,"r2":null}"#;
        let report: RegressionReport = serde_json::from_str(regression).unwrap();
        assert!(report.points.is_empty());
    }
}
