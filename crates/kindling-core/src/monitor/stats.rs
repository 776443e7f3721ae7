//! The drift statistics, defined exactly so that a number Kindling shows is the number a data
//! scientist gets from SciPy and NumPy for the same rows (`tests/python/drift_reference.py`
//! computes them there; `crates/kindling-cli/tests/drift_against_scipy.rs` compares):
//!
//! - **Kolmogorov–Smirnov**: the statistic `D = max |F_ref(x) − F_cur(x)|` over every observed
//!   value, and its two-sided p-value as `scipy.stats.ks_2samp(ref, cur, method="asymp")`
//!   computes it: `kstwo.sf(D, round(m·n/(m+n)))` (see `kolmogorov`).
//! - **PSI** (population stability index) of a number column: `Σ (cᵢ − rᵢ)·ln(cᵢ/rᵢ)` over 10
//!   bins whose 9 inner edges are the reference's deciles (`numpy.quantile`, method "linear")
//!   and whose outer bins are open; a value equal to an edge falls in the bin above it
//!   (`numpy.searchsorted(edges, x, side="right")`). `rᵢ` and `cᵢ` are the reference's and the
//!   current window's proportions in bin `i`, each floored at 1e-4 so an empty bin counts as
//!   rare rather than impossible.
//! - **PSI of a category column**: the same sum over the reference's categories plus one
//!   "unseen" bin for the current rows whose category the reference never had.
//!
//! Gaps (NaN) take no part in either: they are counted as missing values instead.

use super::kolmogorov;

/// Proportions below this count as this: a bin the reference never filled would otherwise make
/// PSI infinite.
pub const PSI_FLOOR: f64 = 1e-4;
/// PSI's number of bins for a number column.
pub const PSI_BINS: usize = 10;

/// A two-sample Kolmogorov–Smirnov test.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KsTest {
    pub statistic: f64,
    pub p_value: f64,
}

/// The `q`-quantile of `sorted` (ascending, no NaN, not empty) as `numpy.quantile(...,
/// method="linear")` computes it, down to how it interpolates, so bin edges agree to the bit.
pub fn quantile_linear(sorted: &[f64], q: f64) -> f64 {
    let count = sorted.len();
    let virtual_index = (count as f64 - 1.0) * q;
    if virtual_index >= count as f64 - 1.0 {
        return sorted[count - 1];
    }
    if virtual_index < 0.0 {
        return sorted[0];
    }
    let below = virtual_index.floor();
    let weight = virtual_index - below;
    let (low, high) = (sorted[below as usize], sorted[below as usize + 1]);
    let difference = high - low;
    if weight >= 0.5 {
        high - difference * (1.0 - weight)
    } else {
        low + difference * weight
    }
}

/// The values of `column` that are not gaps, sorted.
pub fn sorted_present(column: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut values: Vec<f64> = column.into_iter().filter(|value| !value.is_nan()).collect();
    values.sort_by(f64::total_cmp);
    values
}

/// The two-sample KS test of two sorted samples; `None` when either is empty.
pub fn ks_two_sample(reference: &[f64], current: &[f64]) -> Option<KsTest> {
    if reference.is_empty() || current.is_empty() {
        return None;
    }
    let (reference_count, current_count) = (reference.len() as f64, current.len() as f64);
    // The empirical distributions differ most just after some observed value; both step
    // functions are walked together, one distinct value at a time.
    let (mut in_reference, mut in_current) = (0usize, 0usize);
    let mut statistic: f64 = 0.0;
    while in_reference < reference.len() || in_current < current.len() {
        let next = match (reference.get(in_reference), current.get(in_current)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        while reference
            .get(in_reference)
            .is_some_and(|&value| value <= next)
        {
            in_reference += 1;
        }
        while current.get(in_current).is_some_and(|&value| value <= next) {
            in_current += 1;
        }
        let difference = in_reference as f64 / reference_count - in_current as f64 / current_count;
        statistic = statistic.max(difference.abs());
    }
    let (larger, smaller) = if reference_count >= current_count {
        (reference_count, current_count)
    } else {
        (current_count, reference_count)
    };
    let effective_size = round_half_even(larger * smaller / (larger + smaller)).max(1.0);
    let p_value = kolmogorov::two_sided_sf(effective_size as u64, statistic);
    Some(KsTest { statistic, p_value })
}

/// NumPy's `round`: halves go to the even neighbour.
fn round_half_even(value: f64) -> f64 {
    let rounded = value.round();
    if (value - value.trunc()).abs() == 0.5 && rounded % 2.0 != 0.0 {
        rounded - value.signum()
    } else {
        rounded
    }
}

/// The 9 inner bin edges of a number column's PSI: the reference's deciles (none for an empty
/// reference, which no PSI is computed against).
pub fn psi_edges(sorted_reference: &[f64]) -> Vec<f64> {
    if sorted_reference.is_empty() {
        return Vec::new();
    }
    (1..PSI_BINS)
        .map(|decile| quantile_linear(sorted_reference, decile as f64 / PSI_BINS as f64))
        .collect()
}

/// How many of `values` fall in each bin of `edges` (a value equal to an edge goes above it).
pub fn bin_counts(edges: &[f64], values: &[f64]) -> Vec<usize> {
    let mut counts = vec![0; edges.len() + 1];
    for value in values {
        counts[edges.partition_point(|edge| edge <= value)] += 1;
    }
    counts
}

/// PSI of two histograms over the same bins.
pub fn psi_of_counts(reference: &[usize], current: &[usize]) -> f64 {
    let reference_total: usize = reference.iter().sum();
    let current_total: usize = current.iter().sum();
    if reference_total == 0 || current_total == 0 {
        return 0.0;
    }
    reference
        .iter()
        .zip(current)
        .map(|(&r, &c)| {
            let r = (r as f64 / reference_total as f64).max(PSI_FLOOR);
            let c = (c as f64 / current_total as f64).max(PSI_FLOOR);
            (c - r) * (c / r).ln()
        })
        .sum()
}

/// PSI of a number column, both samples sorted and without gaps.
pub fn psi_numeric(sorted_reference: &[f64], current: &[f64]) -> Option<f64> {
    if sorted_reference.is_empty() || current.is_empty() {
        return None;
    }
    let edges = psi_edges(sorted_reference);
    Some(psi_of_counts(
        &bin_counts(&edges, sorted_reference),
        &bin_counts(&edges, current),
    ))
}

/// PSI of a category column: `reference_counts[i]` rows of category `i` in the reference;
/// `current` holds each current row's category index, where an index the reference does not
/// have (or a category it never saw) counts as "unseen".
pub fn psi_categorical(reference_counts: &[usize], current: &[usize]) -> Option<f64> {
    if current.is_empty() {
        return None;
    }
    let mut current_counts = vec![0; reference_counts.len() + 1];
    for &category in current {
        let bin = if reference_counts
            .get(category)
            .is_some_and(|&count| count > 0)
        {
            category
        } else {
            reference_counts.len()
        };
        current_counts[bin] += 1;
    }
    let mut reference_with_unseen = reference_counts.to_vec();
    reference_with_unseen.push(0);
    Some(psi_of_counts(&reference_with_unseen, &current_counts))
}
