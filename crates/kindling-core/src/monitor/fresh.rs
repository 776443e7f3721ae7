//! The data a drift alert retrains on: the training data plus the production rows whose labels
//! have arrived, so the challenger learns what the world looks like now. Columns are matched by
//! name; a category the training data never had (new-category drift) joins the column's list.

use super::window::MonitorState;
use crate::data::{Dataset, FeatureKind, Target};

/// `training` with the labelled rows of `monitor`'s window (labels arrived by `now_ms`)
/// appended. `None` when no label has arrived, or the window's columns are not the training
/// data's.
pub fn training_plus_window(
    training: &Dataset,
    monitor: &MonitorState,
    now_ms: f64,
) -> Option<Dataset> {
    let shape = &monitor.shape;
    let positions: Vec<usize> = training
        .feature_names
        .iter()
        .map(|name| shape.feature_names.iter().position(|have| have == name))
        .collect::<Option<_>>()?;
    let labelled: Vec<_> = monitor
        .requests
        .iter()
        .filter(|served| served.label_at_ms <= now_ms)
        .collect();
    if labelled.is_empty() {
        return None;
    }
    // Each window column's category codes in the training data's lists, which grow by the
    // categories only production had.
    let mut kinds: Vec<FeatureKind> = (0..training.feature_count())
        .map(|column| training.kind(column).clone())
        .collect();
    let mut remaps: Vec<Option<Vec<f32>>> = Vec::new();
    for (column, &position) in positions.iter().enumerate() {
        let remap = match (&mut kinds[column], shape.feature_kinds.get(position)) {
            (
                FeatureKind::Categorical { categories },
                Some(FeatureKind::Categorical {
                    categories: window_categories,
                }),
            ) => Some(
                window_categories
                    .iter()
                    .map(|name| {
                        let index = categories.iter().position(|known| known == name);
                        index.unwrap_or_else(|| {
                            categories.push(name.clone());
                            categories.len() - 1
                        }) as f32
                    })
                    .collect(),
            ),
            _ => None,
        };
        remaps.push(remap);
    }
    let mut features = training.features.clone();
    for served in &labelled {
        for (column, &position) in positions.iter().enumerate() {
            let value = served.values.get(position).copied().unwrap_or(f32::NAN);
            features.push(match &remaps[column] {
                Some(_) if value.is_nan() => value,
                Some(remap) => remap.get(value as usize).copied().unwrap_or(f32::NAN),
                None => value,
            });
        }
    }
    let target = match &training.target {
        Target::Classes {
            name,
            labels,
            class_names,
        } => Target::Classes {
            name: name.clone(),
            labels: labels
                .iter()
                .copied()
                .chain(labelled.iter().map(|served| served.truth as u32))
                .collect(),
            class_names: class_names.clone(),
        },
        Target::Values { name, values } => Target::Values {
            name: name.clone(),
            values: values
                .iter()
                .copied()
                .chain(labelled.iter().map(|served| served.truth))
                .collect(),
        },
    };
    Some(Dataset {
        name: format!("{} + {} production rows", training.name, labelled.len()),
        feature_names: training.feature_names.clone(),
        features,
        target,
        image_shape: training.image_shape,
        feature_kinds: if kinds
            .iter()
            .all(|kind| matches!(kind, FeatureKind::Numeric))
        {
            Vec::new()
        } else {
            kinds
        },
    })
}
