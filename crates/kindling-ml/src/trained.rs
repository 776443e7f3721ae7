//! A trained model: its signature and network in evaluation mode. It predicts from raw rows
//! (the signature's preprocessing first), evaluates a dataset, and saves and loads its weights
//! as Burn's record bytes (the exact reload) and as safetensors (for everyone else).

use burn::prelude::*;
use burn::store::{ModuleRecord, ModuleSnapshot, SafetensorsStore};
use burn::tensor::{Bytes, TensorData};
use kindling_core::data::{Dataset, Target, Task};
use kindling_core::evaluation::{Report, classification_report, regression_report};
use kindling_core::package::{safetensors, sha256_hex};
use kindling_core::signature::{ModelSignature, Prediction};
use kindling_core::tracking::WeightsFingerprint;
use thiserror::Error;

use crate::device::{plain_device, with_seed};
use crate::model::{BuildError, Network};

/// Why stored weights could not be written or read back.
#[derive(Debug, Error, PartialEq)]
pub enum WeightsError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("the weights could not be written: {0}")]
    Write(String),
    #[error("the weights do not fit this model: {0}")]
    Read(String),
}

/// Kindling writes every weight as a 32-bit float. Burn's loader panics on a record whose
/// float parameter holds another dtype (integers, say), which in the browser would take the
/// model worker down, so such a record is refused here in words first.
fn check_record_dtypes(bytes: &[u8]) -> Result<(), WeightsError> {
    let tensors = burn_pack::Reader::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))
        .and_then(burn_pack::Reader::into_tensors)
        .map_err(|error| WeightsError::Read(format!("Record I/O error: {error}")))?;
    for tensor in tensors {
        let (name, dtype, ..) = tensor
            .into_parts()
            .map_err(|error| WeightsError::Read(error.to_string()))?;
        if dtype != burn::tensor::DType::F32 {
            return Err(WeightsError::Read(format!(
                "it holds {name} as {dtype:?}, and every weight Kindling writes is a 32-bit float (F32)"
            )));
        }
    }
    Ok(())
}

/// A trained model in evaluation mode with everything needed to use it: it takes raw rows
/// (preprocessing is applied inside) and answers in the target's own classes or units.
#[derive(Debug, Clone)]
pub struct TrainedModel {
    signature: ModelSignature,
    network: Network,
}

impl TrainedModel {
    pub(crate) fn new(signature: ModelSignature, network: Network) -> Self {
        Self { signature, network }
    }

    pub fn signature(&self) -> &ModelSignature {
        &self.signature
    }

    /// Answers for rows of model codes (see `kindling_core::data::prepare`),
    /// `signature().column_count()` values per row.
    pub fn predict(&self, raw_features: &[f32]) -> Vec<Prediction> {
        let outputs = self.outputs(raw_features);
        match self.signature.task() {
            Task::Classification => {
                let classes = self.signature.output_size();
                outputs
                    .chunks(classes)
                    .map(|logits| {
                        let probabilities = softmax(logits);
                        Prediction::Class {
                            label: argmax(&probabilities) as u32,
                            probabilities,
                        }
                    })
                    .collect()
            }
            Task::Regression => {
                let scaling = self.target_scaling();
                outputs
                    .iter()
                    .map(|&value| Prediction::Value(scaling.unscale(value)))
                    .collect()
            }
        }
    }

    /// The model's scores on a dataset of raw rows with known targets.
    pub fn evaluate(&self, data: &Dataset) -> Report {
        let mut outputs = self.outputs(&self.signature.preprocessing.codes(data));
        if self.signature.task() == Task::Regression {
            let scaling = self.target_scaling();
            outputs.iter_mut().for_each(|v| *v = scaling.unscale(*v));
        }
        report_for(&outputs, &data.target)
    }

    /// Burn's own record bytes (burnpack): the exact reload.
    pub fn record_bytes(&self) -> Result<Vec<u8>, WeightsError> {
        let bytes = self
            .network
            .clone()
            .into_record()
            .into_bytes()
            .map_err(|error| WeightsError::Write(error.to_string()))?;
        Ok(bytes.to_vec())
    }

    pub fn from_record_bytes(
        signature: ModelSignature,
        bytes: &[u8],
    ) -> Result<Self, WeightsError> {
        check_record_dtypes(bytes)?;
        let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))
            .map_err(|error| WeightsError::Read(error.to_string()))?;
        let network = empty_network(&signature)?
            .try_load_record(record)
            .map_err(|error| WeightsError::Read(error.to_string()))?;
        Ok(Self::new(signature, network.valid()))
    }

    /// The weights as safetensors, each tensor named by its path in the network; the format
    /// Python's `safetensors` and numpy read.
    pub fn safetensors_bytes(&self) -> Result<Vec<u8>, WeightsError> {
        let mut store = SafetensorsStore::from_bytes(None);
        self.network
            .save_into(&mut store)
            .map_err(|error| WeightsError::Write(error.to_string()))?;
        store
            .get_bytes()
            .map_err(|error| WeightsError::Write(error.to_string()))
    }

    pub fn from_safetensors(signature: ModelSignature, bytes: &[u8]) -> Result<Self, WeightsError> {
        let mut network = empty_network(&signature)?;
        let mut store = SafetensorsStore::from_bytes(Some(bytes.to_vec()));
        let result = network
            .load_from(&mut store)
            .map_err(|error| WeightsError::Read(error.to_string()))?;
        if !result.errors.is_empty() || !result.missing.is_empty() {
            let missing: Vec<&str> = result
                .missing
                .iter()
                .map(|(path, _)| path.as_str())
                .collect();
            return Err(WeightsError::Read(format!(
                "{} tensors missing ({}), {} not loadable",
                missing.len(),
                missing.join(", "),
                result.errors.len()
            )));
        }
        Ok(Self::new(signature, network.valid()))
    }

    /// The network's raw outputs (logits or standardised values), row-major.
    fn outputs(&self, raw_features: &[f32]) -> Vec<f32> {
        let width = self.signature.input_size();
        let rows = raw_features.len() / self.signature.column_count().max(1);
        if rows == 0 {
            return Vec::new();
        }
        let device = self
            .network
            .devices()
            .into_iter()
            .next()
            .unwrap_or_else(|| plain_device(self.signature.backend));
        let inputs = Tensor::<2>::from_data(
            TensorData::new(
                self.signature.preprocessing.transform(raw_features),
                [rows, width],
            ),
            &device,
        );
        self.network
            .forward(inputs)
            .into_data()
            .try_into_vec::<f32>()
            .expect("network outputs are f32")
    }

    fn target_scaling(&self) -> kindling_core::data::prepare::TargetScaling {
        self.signature
            .preprocessing
            .target
            .expect("a regression model always has a target scaling")
    }
}

/// A network of the signature's shape, to load weights into. Its initial weights are drawn
/// (and then replaced) under the random-stream lock, so loading never disturbs a run.
fn empty_network(signature: &ModelSignature) -> Result<Network, BuildError> {
    let device = plain_device(signature.backend);
    with_seed(&device, 0, || {
        Network::new(
            &signature.model,
            signature.input_size(),
            signature.output_size(),
            signature.image_shape,
            &device,
        )
    })
}

/// Scores network outputs against a target: logits against class labels, or values against
/// values in the same units. One place, so per-epoch validation and final evaluation agree.
pub(crate) fn report_for(outputs: &[f32], target: &Target) -> Report {
    match target {
        Target::Classes {
            labels,
            class_names,
            ..
        } => {
            let probabilities: Vec<f32> = outputs
                .chunks(class_names.len())
                .flat_map(softmax)
                .collect();
            Report::Classification(classification_report(
                labels,
                &probabilities,
                class_names.len(),
            ))
        }
        Target::Values { values, .. } => Report::Regression(regression_report(values, outputs)),
    }
}

fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f64> = logits.iter().map(|&l| f64::from(l - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|&e| (e / sum) as f32).collect()
}

/// The index of the largest value; the first one on a tie.
fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .fold(0, |best, (i, &v)| if v > values[best] { i } else { best })
}

/// How many steps a run's early fingerprint covers: enough that initialisation, shuffling,
/// dropout and the optimiser all take part; few enough to retrain in a moment.
pub const FINGERPRINT_STEPS: u64 = 5;

/// The fingerprint of `network` after `steps` steps: the sha256 of its weights in the
/// package's canonical safetensors form (Burn's own record also holds each parameter's random
/// id, which two equal networks do not share).
pub(crate) fn fingerprint(
    signature: &ModelSignature,
    network: &Network,
    steps: u64,
) -> WeightsFingerprint {
    let bytes = TrainedModel::new(signature.clone(), network.valid())
        .tensors()
        .map(|tensors| safetensors::write(&tensors))
        .unwrap_or_default();
    WeightsFingerprint {
        steps,
        sha256: sha256_hex(&bytes),
    }
}
