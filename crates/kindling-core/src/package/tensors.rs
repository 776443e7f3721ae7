//! The tensors a model of a given signature has, and rows to probe it with: what both the
//! package writer and the upload checks need to know of a network without building one.

use crate::data::ImageShape;
use crate::data::prepare::ColumnPreprocessing;
use crate::signature::{Cell, ModelSignature};
use crate::spec::ModelSpec;

use super::manifest::EXAMPLE_ROWS;

/// The tensors a network of this signature has, by name and shape, in name order: what an
/// uploaded weights file must contain exactly. The names are the paths Burn gives them.
pub fn expected_tensors(signature: &ModelSignature) -> Vec<(String, Vec<usize>)> {
    let mut tensors = Vec::new();
    let dense =
        |tensors: &mut Vec<(String, Vec<usize>)>, prefix: String, input: usize, output: usize| {
            tensors.push((format!("{prefix}.weight"), vec![input, output]));
            tensors.push((format!("{prefix}.bias"), vec![output]));
        };
    let outputs = signature.output_size();
    match &signature.model {
        ModelSpec::Linear => dense(
            &mut tensors,
            "Mlp.output".into(),
            signature.input_size(),
            outputs,
        ),
        ModelSpec::Mlp { hidden_layers, .. } => {
            let mut width = signature.input_size();
            for (index, &units) in hidden_layers.iter().enumerate() {
                dense(&mut tensors, format!("Mlp.hidden.{index}"), width, units);
                width = units;
            }
            dense(&mut tensors, "Mlp.output".into(), width, outputs);
        }
        ModelSpec::Cnn {
            filters,
            pool,
            dense_units,
        } => {
            let shape = signature.image_shape.unwrap_or(ImageShape {
                height: 0,
                width: 0,
            });
            let (mut height, mut width) = (
                shape.height.saturating_sub(2),
                shape.width.saturating_sub(2),
            );
            if *pool {
                height /= 2;
                width /= 2;
            }
            // Saturating: a caller that has not validated the signature yet (a fuzzer did) may
            // pass an image shape whose product overflows; no real tensor is that long.
            let flat = filters.saturating_mul(height).saturating_mul(width);
            tensors.push(("Cnn.conv.weight".into(), vec![*filters, 1, 3, 3]));
            tensors.push(("Cnn.conv.bias".into(), vec![*filters]));
            if *dense_units > 0 {
                dense(&mut tensors, "Cnn.dense".into(), flat, *dense_units);
                dense(&mut tensors, "Cnn.output".into(), *dense_units, outputs);
            } else {
                dense(&mut tensors, "Cnn.output".into(), flat, outputs);
            }
        }
    }
    tensors.sort();
    tensors
}

/// Raw input rows to probe a model with, made from its preprocessing alone (no data needed):
/// each number at its training mean, then shifted by one standard deviation up, down and
/// alternately; each category at its most common value, then at others in turn, then missing
/// (so the fill is exercised). Used for the manifest's example and the automatic gate checks.
pub fn probe_inputs(signature: &ModelSignature) -> Vec<Vec<Cell>> {
    let standardization = &signature.preprocessing.features;
    let shifts: [fn(usize) -> f32; EXAMPLE_ROWS] = [
        |_| 0.0,
        |_| 1.0,
        |_| -1.0,
        |column| if column % 2 == 0 { 1.5 } else { -0.5 },
    ];
    let number = |input: usize, shift: f32| {
        let mean = standardization.mean.get(input).copied().unwrap_or(0.0);
        let std = standardization.std.get(input).copied().unwrap_or(1.0);
        Cell::Number(mean + shift * std)
    };
    shifts
        .iter()
        .enumerate()
        .map(|(probe, shift)| {
            let mut input = 0;
            (0..signature.column_count())
                .map(|column| match signature.column(column) {
                    ColumnPreprocessing::Numeric { .. } => {
                        input += 1;
                        number(input - 1, shift(column))
                    }
                    ColumnPreprocessing::OneHot { categories, fill } => {
                        input += categories.len();
                        match probe {
                            0 => Cell::Text(fill),
                            _ if probe == EXAMPLE_ROWS - 1 || categories.is_empty() => {
                                Cell::Missing
                            }
                            _ => Cell::Text(categories[probe % categories.len()].clone()),
                        }
                    }
                })
                .collect()
        })
        .collect()
}
