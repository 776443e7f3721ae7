//! Text and sampling helpers the SVG charts share. Plain functions, so they test natively.

/// Long names would run into the next label; the full name stays in the mark's tooltip.
pub fn truncate(name: &str, max_chars: usize) -> String {
    if name.chars().count() <= max_chars {
        return name.to_string();
    }
    let kept: String = name.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// Short enough for a tick, exact enough for a tooltip: at most three decimals, no trailing
/// zeros, and scientific notation where plain digits would be long (learning rates, counts).
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let magnitude = value.abs();
    if magnitude >= 10_000.0 || (magnitude > 0.0 && magnitude < 0.001) {
        let text = format!("{value:.2e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        return format!("{}e{exponent}", trim_zeros(mantissa));
    }
    let text = trim_zeros(&format!("{value:.3}")).to_string();
    if text == "-0" { "0".to_string() } else { text }
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// The name for a class index, when the names given are fewer than the classes.
pub fn class_name(names: &[String], class: usize) -> String {
    names
        .get(class)
        .cloned()
        .unwrap_or_else(|| format!("class {class}"))
}

/// At most `max` indices into `0..len`, spread evenly, in order, starting at 0. A stride rather
/// than a random sample, so a live plot keeps the same points from one update to the next.
pub fn evenly_spaced(len: usize, max: usize) -> impl Iterator<Item = usize> {
    let kept = len.min(max);
    (0..kept).map(move |i| (i as u64 * len as u64 / kept as u64) as usize)
}

/// A coordinate for an SVG attribute: two decimals are sub-pixel, and keep the DOM small.
pub fn coord(value: f64) -> String {
    format!("{value:.2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_short_names_and_marks_cut_ones() {
        assert_eq!(truncate("cat", 5), "cat");
        assert_eq!(truncate("caterpillar", 5), "cate…");
        assert_eq!(truncate("ééééééé", 3), "éé…");
    }

    #[test]
    fn numbers_are_short_and_exact_enough() {
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(-0.0001), "-1e-4");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(0.91234), "0.912");
        assert_eq!(format_number(12.0), "12");
        assert_eq!(format_number(0.0003), "3e-4");
        assert_eq!(format_number(0.00025), "2.5e-4");
        assert_eq!(format_number(125_000.0), "1.25e5");
        assert_eq!(format_number(-0.0000001 * 0.0), "0");
    }

    #[test]
    fn missing_class_names_fall_back_to_the_index() {
        let names = vec!["cat".to_string()];
        assert_eq!(class_name(&names, 0), "cat");
        assert_eq!(class_name(&names, 3), "class 3");
    }

    #[test]
    fn even_spacing_is_capped_ordered_and_starts_at_zero() {
        let picked: Vec<usize> = evenly_spaced(10_000, 2_000).collect();
        assert_eq!(picked.len(), 2_000);
        assert_eq!(picked[0], 0);
        assert!(picked.windows(2).all(|pair| pair[1] - pair[0] == 5));
        assert_eq!(evenly_spaced(3, 2_000).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(evenly_spaced(0, 10).count(), 0);
    }
}
