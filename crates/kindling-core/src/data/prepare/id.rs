//! A dataset's version: the SHA-256 of a canonical encoding of its columns and values.

use sha2::{Digest, Sha256};

use crate::data::{Dataset, FeatureKind, Target};

/// A dataset's version: the SHA-256 (hex) of a canonical encoding of its columns, target and
/// values. Renaming a dataset keeps its id; changing one value changes it.
pub fn dataset_id(data: &Dataset) -> String {
    let mut hash = Sha256::new();
    let text = |hash: &mut Sha256, text: &str| {
        hash.update((text.len() as u64).to_le_bytes());
        hash.update(text.as_bytes());
    };
    hash.update(b"kindling-dataset/1");
    hash.update((data.row_count() as u64).to_le_bytes());
    hash.update((data.feature_count() as u64).to_le_bytes());
    for name in &data.feature_names {
        text(&mut hash, name);
    }
    match data.image_shape {
        Some(shape) => {
            hash.update([1]);
            hash.update((shape.height as u64).to_le_bytes());
            hash.update((shape.width as u64).to_le_bytes());
        }
        None => hash.update([0]),
    }
    // Only datasets with categories say what each column holds, so every dataset without one
    // (the synthetic and bundled sets, older imports) keeps the id it always had.
    if data.has_categories() {
        hash.update(b"kinds");
        for column in 0..data.feature_count() {
            match data.kind(column) {
                FeatureKind::Numeric => hash.update([b'n']),
                FeatureKind::Categorical { categories } => {
                    hash.update([b'c']);
                    hash.update((categories.len() as u64).to_le_bytes());
                    for category in categories {
                        text(&mut hash, category);
                    }
                }
            }
        }
    }
    for value in &data.features {
        hash.update(value.to_le_bytes());
    }
    match &data.target {
        Target::Classes {
            name,
            labels,
            class_names,
        } => {
            hash.update([b'c']);
            text(&mut hash, name);
            hash.update((class_names.len() as u64).to_le_bytes());
            for class in class_names {
                text(&mut hash, class);
            }
            for label in labels {
                hash.update(label.to_le_bytes());
            }
        }
        Target::Values { name, values } => {
            hash.update([b'v']);
            text(&mut hash, name);
            for value in values {
                hash.update(value.to_le_bytes());
            }
        }
    }
    hash.finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::{SyntheticKind, SyntheticSpec};

    fn blobs(classes: u32, count: usize) -> Dataset {
        SyntheticSpec {
            kind: SyntheticKind::Blobs { classes },
            sample_count: count,
            noise: 0.1,
            seed: 5,
        }
        .generate()
        .unwrap()
    }

    #[test]
    fn the_dataset_id_names_the_content_not_the_label() {
        let data = blobs(2, 40);
        let id = dataset_id(&data);
        assert_eq!(id.len(), 64);
        let mut renamed = data.clone();
        renamed.name = "something else".into();
        assert_eq!(dataset_id(&renamed), id);
        let mut changed = data.clone();
        changed.features[17] += 1e-3;
        assert_ne!(dataset_id(&changed), id);
        let mut relabelled = data.clone();
        if let Target::Classes { labels, .. } = &mut relabelled.target {
            labels[0] = 1 - labels[0];
        }
        assert_ne!(dataset_id(&relabelled), id);
    }

    #[test]
    fn the_id_of_a_dataset_without_categories_is_what_it_always_was() {
        // The default spiral's id before columns could hold categories: recipes, stored runs and
        // the bench name data by it.
        let spiral = SyntheticSpec::default().generate().unwrap();
        assert_eq!(dataset_id(&spiral), SPIRAL_ID);
        let mut categorical = spiral.clone();
        categorical.feature_kinds = vec![
            FeatureKind::Numeric,
            FeatureKind::Categorical {
                categories: vec!["a".into()],
            },
        ];
        assert_ne!(
            dataset_id(&categorical),
            SPIRAL_ID,
            "what a column holds counts"
        );
    }

    const SPIRAL_ID: &str = "31c20c632a1d66a149907d7c57352a86eb559165b6338cd77dc088ed9b5ee093";
}
