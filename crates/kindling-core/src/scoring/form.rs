//! The single-row form of the Predict page as data: which inputs a model takes (typed
//! features with their training mean and spread, or a drawing grid), the typed values read
//! back as a row, and the model's answer as text.

use crate::data::prepare::ColumnPreprocessing;
use crate::signature::{ModelSignature, Output};

/// Feature names listed in "the model needs: …" before "and N more".
pub const MAX_LISTED: usize = 16;

/// Decimals that show `spread` to two significant digits (0.83 → 2, 12 → 0), at most 6.
pub fn decimals_for(spread: f32) -> usize {
    if !spread.is_finite() || spread <= 0.0 {
        return 2;
    }
    (1 - spread.log10().floor() as i32).clamp(0, 6) as usize
}

pub fn fixed(value: f32, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    // "-0.00" reads as a sign that means nothing.
    if text.starts_with('-')
        && text
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
    {
        text[1..].to_owned()
    } else {
        text
    }
}

/// One raw column's field in the form.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// A number: its name, and its training mean and spread as text (the field's first value
    /// and its hint).
    Number {
        name: String,
        typical: String,
        spread: String,
    },
    /// A category: its name, the categories the model knows, and the most common one.
    Category {
        name: String,
        categories: Vec<String>,
        typical: String,
    },
}

impl Field {
    /// The field's first value: the typical number or category.
    pub fn typical(&self) -> &str {
        match self {
            Field::Number { typical, .. } | Field::Category { typical, .. } => typical,
        }
    }
}

/// Each raw column's field, in order.
pub fn fields(signature: &ModelSignature) -> Vec<Field> {
    let features = &signature.preprocessing.features;
    let mut input = 0;
    signature
        .feature_names
        .iter()
        .enumerate()
        .map(|(column, name)| match signature.column(column) {
            ColumnPreprocessing::Numeric { .. } => {
                let mean = features.mean.get(input).copied().unwrap_or(0.0);
                let std = features.std.get(input).copied().unwrap_or(1.0);
                input += 1;
                let decimals = decimals_for(std);
                Field::Number {
                    name: name.clone(),
                    typical: fixed(mean, decimals),
                    spread: fixed(std, decimals),
                }
            }
            ColumnPreprocessing::OneHot { categories, fill } => {
                input += categories.len();
                Field::Category {
                    name: name.clone(),
                    categories,
                    typical: fill,
                }
            }
        })
        .collect()
}

/// The typed (or chosen) values as a row of model codes, or what to fix.
pub fn parse_inputs(signature: &ModelSignature, values: &[String]) -> Result<Vec<f32>, String> {
    (0..signature.column_count())
        .map(|column| {
            let text = values.get(column).map(String::as_str).unwrap_or_default();
            signature.code_of(column, text)
        })
        .collect()
}

/// The grid shape for drawing, when the model reads an image whose pixels are its features.
pub fn drawable_shape(signature: &ModelSignature) -> Option<(usize, usize)> {
    signature
        .image_shape
        .filter(|shape| {
            shape.height * shape.width == signature.column_count()
                && shape.height > 0
                && !signature.has_categories()
        })
        .map(|shape| (shape.height, shape.width))
}

/// The value of a fully inked pixel, in the training images' units.
///
/// The drawing arrives as coverage in 0..=1 per cell and must be put in the range the model was
/// trained on, which the signature does not state. It is judged from the largest per-pixel
/// training mean: the smallest of the usual ranges 0..1, 0..16 (the 8x8 digits, where each
/// pixel counts the inked dots of a 4x4 block, and the busiest pixel averages about 12) and
/// 0..255 (8-bit greyscale) that holds it. Any image set whose pixels were stored in one of
/// those ranges is mapped exactly; nothing else is guessed.
pub fn ink_scale(signature: &ModelSignature) -> f32 {
    let largest_mean = signature
        .preprocessing
        .features
        .mean
        .iter()
        .copied()
        .filter(|m| m.is_finite())
        .fold(0.0f32, f32::max);
    [1.0, 16.0, 255.0]
        .into_iter()
        .find(|&top| largest_mean <= top)
        .unwrap_or(255.0)
}

/// What a version does, in one line.
pub fn describe(signature: &ModelSignature) -> String {
    let inputs = match drawable_shape(signature) {
        Some((height, width)) => format!("an image of {height}x{width} pixels"),
        None if signature.column_count() == 1 => "1 feature".to_owned(),
        None => format!("{} features", signature.column_count()),
    };
    match &signature.output {
        Output::Classes {
            target,
            class_names,
        } => format!(
            "Predicts {target} ({} classes: {}) from {inputs}.",
            class_names.len(),
            listed(class_names)
        ),
        Output::Value { target } => format!("Predicts {target} (a number) from {inputs}."),
    }
}

/// Names joined with commas, the first few only.
pub fn listed(names: &[String]) -> String {
    let mut text = names
        .iter()
        .take(MAX_LISTED)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX_LISTED {
        text.push_str(&format!(" and {} more", names.len() - MAX_LISTED));
    }
    text
}

pub fn percent(probability: f32) -> String {
    format!("{:.1} %", probability * 100.0)
}

/// A regressor's answer as text, to about three significant digits of the target's spread.
pub fn value_text(signature: &ModelSignature, value: f32) -> String {
    let spread = signature
        .preprocessing
        .target
        .as_ref()
        .map_or(1.0, |scaling| scaling.std);
    fixed(value, decimals_for(spread / 10.0))
}

/// What the inputs look like for a version: typed features (name, mean, spread as text) or a
/// drawing grid with the value of a fully inked cell.
#[derive(Debug, Clone, PartialEq)]
pub enum InputForm {
    Features(Vec<Field>),
    Drawing {
        rows: usize,
        columns: usize,
        scale: f32,
    },
}

impl InputForm {
    pub fn of(signature: &ModelSignature) -> Self {
        match drawable_shape(signature) {
            Some((rows, columns)) => Self::Drawing {
                rows,
                columns,
                scale: ink_scale(signature),
            },
            None => Self::Features(fields(signature)),
        }
    }

    /// The values the inputs start from: the training means.
    pub fn typical(&self) -> Vec<String> {
        match self {
            Self::Features(fields) => fields.iter().map(|f| f.typical().to_owned()).collect(),
            Self::Drawing { .. } => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::fixtures::version;

    #[test]
    fn decimals_follow_the_spread_and_minus_zero_reads_as_zero() {
        assert_eq!(decimals_for(0.83), 2);
        assert_eq!(decimals_for(12.0), 0);
        assert_eq!(decimals_for(0.000_01), 6);
        assert_eq!(decimals_for(f32::NAN), 2);
        assert_eq!(fixed(-0.001, 2), "0.00");
        assert_eq!(fixed(-1.5, 1), "-1.5");
    }

    #[test]
    fn typed_values_become_a_row_or_say_which_field_is_wrong() {
        let signature = version("spiral", 1).signature;
        let form = InputForm::of(&signature);
        let InputForm::Features(rows) = &form else {
            panic!("two features are typed, not drawn");
        };
        assert_eq!(rows.len(), 2);
        let typical = form.typical();
        assert_eq!(parse_inputs(&signature, &typical).unwrap().len(), 2);
        let name = &signature.feature_names[1];
        let filled = parse_inputs(&signature, &["1".into(), " ".into()]).unwrap();
        assert!(filled[1].is_nan(), "a gap is the model's to fill");
        assert_eq!(
            parse_inputs(&signature, &["1".into(), "inf".into()]),
            Err(format!("{name}: 'inf' is not a number."))
        );
        assert!(describe(&signature).starts_with("Predicts "));
    }

    #[test]
    fn a_category_is_chosen_from_the_ones_the_model_knows() {
        let mut signature = version("penguins", 1).signature;
        signature.preprocessing.columns[1] = ColumnPreprocessing::OneHot {
            categories: vec!["Biscoe".into(), "Dream".into()],
            fill: "Dream".into(),
        };
        signature.preprocessing.features.mean.push(0.5);
        signature.preprocessing.features.std.push(0.5);
        let form = InputForm::of(&signature);
        let InputForm::Features(fields) = &form else {
            panic!("typed, not drawn");
        };
        assert!(
            matches!(&fields[1], Field::Category { categories, typical, .. }
            if categories.len() == 2 && typical == "Dream")
        );
        assert_eq!(
            parse_inputs(&signature, &form.typical()).unwrap()[1],
            1.0,
            "Dream is the second category"
        );
        let old = version("spiral", 1).signature;
        let mut legacy = old.clone();
        legacy.preprocessing.columns.clear();
        assert_eq!(
            parse_inputs(&legacy, &["1".into(), "".into()]),
            Err(format!("Enter a number for {}.", legacy.feature_names[1])),
            "a model made before gaps were filled needs every number"
        );
    }

    #[test]
    fn an_image_model_is_drawn_and_its_ink_scaled_to_its_training_range() {
        let mut signature = version("digits", 1).signature;
        signature.feature_names = (0..64).map(|i| format!("p{i}")).collect();
        signature.image_shape = Some(crate::data::ImageShape {
            height: 8,
            width: 8,
        });
        signature.preprocessing.columns = vec![ColumnPreprocessing::Numeric { fill: 12.0 }; 64];
        signature.preprocessing.features.mean = vec![12.0; 64];
        signature.preprocessing.features.std = vec![1.0; 64];
        assert_eq!(
            InputForm::of(&signature),
            InputForm::Drawing {
                rows: 8,
                columns: 8,
                scale: 16.0
            }
        );
        signature.preprocessing.features.mean = vec![0.5; 64];
        assert_eq!(ink_scale(&signature), 1.0);
        assert_eq!(
            listed(&signature.feature_names).matches(',').count(),
            MAX_LISTED - 1
        );
    }
}
