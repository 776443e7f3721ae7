//! Structure-aware package edits for the fuzzers: fuzzer bytes become a list of edits to a
//! *valid* package (manifest fields, the signature, tensors, raw weights bytes, the record, the
//! file list), and the package is then written again the way Kindling writes one (correct CRCs,
//! every hash in the manifest recomputed, the card, README and ONNX graph derived again), so the
//! checks past the zip CRC and the manifest hashes are reached.
//!
//! Shared by `fuzz/exercise.rs` (kindling-core's targets) and `fuzz/exercise_ml.rs`; plain
//! Rust and serde_json only, so the corpus replays on stable in `cargo test`.

// Each including module uses a different part of this file.
#![allow(dead_code)]

use std::collections::BTreeMap;

use kindling_core::data::ImageShape;
use kindling_core::data::prepare::TargetScaling;
use kindling_core::data::prepare::{ColumnPreprocessing, Preprocessing, Standardization};
use kindling_core::package::safetensors::{self, NamedTensor};
use kindling_core::package::{
    CARD_FILE, InputSignature, MANIFEST_FILE, Manifest, ONNX_FILE, README_FILE, RECORD_FILE,
    WEIGHTS_FILE, expected_tensors, onnx, probe_inputs, sha256_hex, zip,
};
use kindling_core::registry::card_text::{to_markdown, to_readme};
use kindling_core::signature::{ModelSignature, Output, Prediction};
use kindling_core::spec::ModelSpec;
use serde_json::{Value, json};

/// Fuzzer bytes read front to back; once they run out every read is 0.
pub struct Source<'a>(pub &'a [u8]);

impl Source<'_> {
    pub fn byte(&mut self) -> u8 {
        let (&first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        first
    }

    /// A number below `n` (0 for `n` = 0), from two bytes.
    pub fn below(&mut self, n: usize) -> usize {
        let wide = usize::from(u16::from_le_bytes([self.byte(), self.byte()]));
        if n == 0 { 0 } else { wide % n }
    }

    pub fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len())]
    }
}

/// Numbers that sit on the edges of the types the manifest is read into.
#[rustfmt::skip]
const NUMBERS: [&str; 26] = [
    "0", "1", "-1", "2", "3", "4", "5", "16", "100", "101", "255", "2000", "2001", "65536",
    "4294967296", "9007199254740993", "18446744073709551615", "-9223372036854775808", "0.5",
    "-0.0", "1e39", "-1e39", "3.4028235e38", "1e-46", "1e30", "1e308",
];
#[rustfmt::skip]
const FLOATS: [f32; 10] = [
    0.5, 0.0, -0.0, 1e30, -1e30, f32::MAX, f32::MIN_POSITIVE, 1e-45, 3.0e38, -7.25,
];
#[rustfmt::skip]
const STRINGS: [&str; 24] = [
    "", "x", "spiral", "../x", "a/b", "C:x", "é", "\u{0}", "kindling-package/1",
    "kindling-package/2", "kindling-package/3", "F32", "F16", "Classes", "Value", "Linear", "Mlp",
    "Cnn", "Relu", "NdArray", "float32", "string", "Mlp.output.bias", "Mlp.hidden.0.weight",
];
const SIZES: [usize; 13] = [0, 1, 2, 3, 4, 5, 16, 41, 100, 101, 256, 2001, 5000];
/// Where the checks look, so an edit can aim at them instead of wandering the whole tree.
#[rustfmt::skip]
const POINTERS: [&str; 16] = [
    "/format", "/name", "/version", "/task", "/input", "/input/shape", "/signature/model",
    "/signature/feature_names", "/signature/image_shape", "/signature/output",
    "/signature/preprocessing/columns", "/signature/preprocessing/features/mean",
    "/signature/preprocessing/target", "/example/inputs", "/example/predictions", "/files",
];
#[rustfmt::skip]
const NAMES: [&str; 7] = [
    MANIFEST_FILE, WEIGHTS_FILE, RECORD_FILE, ONNX_FILE, CARD_FILE, README_FILE, "extra.txt",
];
/// Refitting weights bigger than this would only measure the allocator.
const MAX_REFIT_VALUES: usize = 1 << 16;

fn value(src: &mut Source, depth: usize) -> Value {
    match src.byte() % 8 {
        0 => Value::Null,
        1 => Value::Bool(src.byte().is_multiple_of(2)),
        2 | 3 => {
            let number = *src.pick(&NUMBERS);
            serde_json::from_str(number).expect("a JSON number")
        }
        4 => Value::String(src.pick(&STRINGS).to_string()),
        5 => Value::String("a".repeat(*src.pick(&SIZES))),
        6 if depth < 3 => {
            let item = value(src, depth + 1);
            Value::Array(vec![item; *src.pick(&SIZES) % 300])
        }
        _ if depth < 3 => {
            let key = src.pick(&STRINGS).to_string();
            json!({ key: value(src, depth + 1) })
        }
        _ => Value::Null,
    }
}

/// A node found by walking down from `node`, one child per byte, stopping on a byte of 0.
fn walk<'v>(node: &'v mut Value, src: &mut Source) -> &'v mut Value {
    let stop = src.byte().is_multiple_of(4);
    let len = match &*node {
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        _ => 0,
    };
    if stop || len == 0 {
        return node;
    }
    let index = src.below(len);
    match node {
        Value::Array(items) => walk(&mut items[index], src),
        Value::Object(map) => walk(map.values_mut().nth(index).expect("in range"), src),
        _ => unreachable!("containers only"),
    }
}

fn aimed<'v>(manifest: &'v mut Value, src: &mut Source) -> &'v mut Value {
    let pointer = *src.pick(&POINTERS);
    if manifest.pointer(pointer).is_none() {
        return walk(manifest, src);
    }
    walk(manifest.pointer_mut(pointer).expect("checked"), src)
}

/// Signatures of kinds the base packages lack: a CNN, a regressor, categories, many classes.
fn template(base: &ModelSignature, src: &mut Source) -> ModelSignature {
    let mut signature = base.clone();
    let side: usize = [1, 2, 3, 4, 5, 8, 28, 1 << 33][src.byte() as usize % 8];
    let (height, width) = (side, [3, 4, 6, side][src.byte() as usize % 4]);
    let columns = height.saturating_mul(width).min(4096);
    let standard = |n: usize| Standardization {
        mean: vec![0.0; n],
        std: vec![1.0; n],
    };
    match src.byte() % 5 {
        0 => {
            signature.model = ModelSpec::Cnn {
                filters: *src.pick(&[1, 2, 4, 65]),
                pool: src.byte().is_multiple_of(2),
                dense_units: *src.pick(&[0, 8, 100_000]),
            };
            signature.image_shape = Some(ImageShape { height, width });
            signature.feature_names = (0..columns).map(|i| format!("p{i}")).collect();
            signature.preprocessing = Preprocessing {
                columns: Vec::new(),
                features: standard(columns),
                target: None,
            };
        }
        1 => {
            signature.output = Output::Value { target: "y".into() };
            signature.preprocessing.target = Some(TargetScaling {
                mean: *src.pick(&FLOATS),
                std: *src.pick(&FLOATS),
            });
        }
        2 => {
            let categories: Vec<String> = (0..*src.pick(&SIZES) % 300)
                .map(|i| format!("c{i}"))
                .collect();
            let fill = categories.first().cloned().unwrap_or_default();
            let width = categories.len();
            signature.feature_names = vec!["colour".into(), "size".into()];
            signature.preprocessing.columns = vec![
                ColumnPreprocessing::OneHot { categories, fill },
                ColumnPreprocessing::Numeric {
                    fill: *src.pick(&FLOATS),
                },
            ];
            signature.preprocessing.features = standard(width + 1);
        }
        3 => {
            let count = *src.pick(&SIZES);
            signature.output = Output::Classes {
                target: "label".into(),
                class_names: (0..count).map(|i| format!("k{i}")).collect(),
            };
        }
        _ => {
            let units = *src.pick(&SIZES);
            signature.model = match src.byte() % 3 {
                0 => ModelSpec::Linear,
                1 => ModelSpec::mlp(vec![units]),
                _ => ModelSpec::mlp(vec![units, 2, units]),
            };
        }
    }
    signature
}

/// One valid package taken apart: the manifest as JSON (so an edit can make it anything), the
/// tensors, the record and which other files it holds.
#[derive(Clone)]
pub struct Base {
    pub manifest: Value,
    pub tensors: Vec<NamedTensor>,
    pub record: Vec<u8>,
    pub names: Vec<String>,
}

impl Base {
    pub fn of(package: &[u8]) -> Base {
        let files: BTreeMap<String, Vec<u8>> = zip::read(package, &zip::PACKAGE_LIMITS)
            .expect("a valid base package")
            .into_iter()
            .collect();
        Base {
            manifest: serde_json::from_slice(&files[MANIFEST_FILE]).expect("its manifest"),
            tensors: safetensors::read(&files[WEIGHTS_FILE]).expect("its weights"),
            record: files[RECORD_FILE].clone(),
            names: files.keys().cloned().collect(),
        }
    }
}

/// What the edits leave to be derived again when the package is written; each edit can turn
/// one of these off, so a stale hash or a hand-edited card is fuzzed too.
struct Rederive {
    weights: bool,
    example: bool,
    input: bool,
    hashes: bool,
    card: bool,
    onnx: bool,
    /// The value refitted weights are made of; setting it refits them even when they fit.
    fill: Option<f32>,
}

/// `base` edited as `input` says, written again as Kindling writes a package.
pub fn edited_package(base: &Base, input: &[u8]) -> Vec<u8> {
    let mut src = Source(input);
    let mut manifest = base.manifest.clone();
    let mut redo = Rederive {
        weights: true,
        example: true,
        input: true,
        hashes: true,
        card: true,
        onnx: true,
        fill: None,
    };
    // Edits to anything but the manifest wait until the manifest is final.
    let mut later: Vec<(u8, [u8; 8])> = Vec::new();
    while !src.0.is_empty() {
        let op = src.byte() % 16;
        let mut args = [0u8; 8];
        args.iter_mut().for_each(|arg| *arg = src.byte());
        let mut a = Source(&args);
        match op {
            0 => {
                let node = walk(&mut manifest, &mut a);
                *node = value(&mut a, 0);
            }
            1 => {
                let node = aimed(&mut manifest, &mut a);
                *node = value(&mut a, 0);
            }
            2 => {
                if let Value::Array(items) = aimed(&mut manifest, &mut a) {
                    let size = *a.pick(&SIZES);
                    let last = items.last().cloned().unwrap_or(Value::Null);
                    items.resize(size, last);
                }
            }
            3 => match walk(&mut manifest, &mut a) {
                Value::Array(items) if !items.is_empty() => {
                    items.remove(a.below(items.len()));
                }
                Value::Object(map) if !map.is_empty() => {
                    let key = map
                        .keys()
                        .nth(a.below(map.len()))
                        .cloned()
                        .expect("in range");
                    map.remove(&key);
                }
                _ => {}
            },
            4 => {
                let signature = serde_json::from_value(manifest["signature"].clone());
                if let Ok(signature) = signature {
                    set(
                        &mut manifest,
                        "signature",
                        json!(template(&signature, &mut a)),
                    );
                }
            }
            5 => {
                let node = walk(&mut manifest, &mut a);
                if let Some(n) = node.as_f64() {
                    let tweaked = [n + 1.0, n - 1.0, n * 2.0, -n, n * 1e10][a.below(5)];
                    *node = json!(tweaked);
                }
                if let Some(n) = node.as_u64() {
                    *node = json!(n.wrapping_add(1));
                }
            }
            6 => {
                if let Value::Object(map) = walk(&mut manifest, &mut a) {
                    map.insert(a.pick(&STRINGS).to_string(), value(&mut a, 1));
                }
            }
            12 => match args[0] % 6 {
                0 => redo.weights = false,
                1 => redo.example = false,
                2 => redo.input = false,
                3 => redo.hashes = false,
                4 => redo.card = false,
                _ => redo.onnx = false,
            },
            13 => redo.fill = Some(*a.pick(&FLOATS)),
            _ => later.push((op, args)),
        }
    }
    write_package(base, manifest, &redo, &later)
}

fn write_package(
    base: &Base,
    mut manifest: Value,
    redo: &Rederive,
    later: &[(u8, [u8; 8])],
) -> Vec<u8> {
    let mut tensors = base.tensors.clone();
    let parsed = serde_json::from_value::<Manifest>(manifest.clone()).ok();
    // The checks look at the tensors of a valid signature only; sizes of others may overflow.
    let valid = parsed.filter(|parsed| parsed.signature.validate().is_ok());
    if let Some(parsed) = &valid {
        let signature = &parsed.signature;
        let expected = expected_tensors(signature);
        let size = expected.iter().try_fold(0usize, |sum, (_, shape)| {
            let count = shape
                .iter()
                .try_fold(1usize, |n, &side| n.checked_mul(side))?;
            sum.checked_add(count)
                .filter(|&sum| sum <= MAX_REFIT_VALUES)
        });
        if redo.weights && size.is_some() && (expected != shapes(&tensors) || redo.fill.is_some()) {
            tensors = expected
                .into_iter()
                .map(|(name, shape)| NamedTensor {
                    values: (0..shape.iter().product::<usize>())
                        .map(|i| redo.fill.unwrap_or(0.25) * (1.0 + (i % 7) as f32) / 7.0)
                        .collect(),
                    name,
                    shape,
                })
                .collect();
        }
        let width = signature.column_count();
        let rows_fit = parsed.example.inputs.iter().all(|row| row.len() == width);
        if redo.example && (!rows_fit || parsed.example.inputs.is_empty()) && width <= 4096 {
            let inputs = probe_inputs(signature);
            let answer = match &signature.output {
                Output::Classes { class_names, .. } => Prediction::Class {
                    label: 0,
                    probabilities: vec![1.0 / class_names.len().max(1) as f32; class_names.len()],
                },
                Output::Value { .. } => Prediction::Value(0.0),
            };
            set(
                &mut manifest,
                "example",
                json!({ "inputs": inputs, "predictions": vec![answer; 4] }),
            );
        }
        if redo.input {
            set(&mut manifest, "input", json!(InputSignature::of(signature)));
            set(&mut manifest, "task", json!(signature.task()));
        }
    }
    let mut record = base.record.clone();
    let mut names = base.names.clone();
    names.retain(|name| name != MANIFEST_FILE);
    let (mut stale, mut listed_extra) = (Vec::new(), false);
    for (op, args) in later {
        let mut a = Source(args);
        match op {
            7 => {
                let count = tensors.len();
                if let Some(tensor) = tensors.get_mut(a.below(count)) {
                    let len = tensor.values.len();
                    if len > 0 {
                        tensor.values[a.below(len)] = *a.pick(&FLOATS);
                    }
                }
            }
            8 => {
                let count = tensors.len();
                if let Some(tensor) = tensors.get_mut(a.below(count)) {
                    let dims = tensor.shape.len();
                    match a.byte() % 3 {
                        0 if dims > 0 => tensor.shape[a.below(dims)] = *a.pick(&SIZES),
                        1 => tensor.shape.push(1),
                        _ => tensor.shape.reverse(),
                    }
                    let product = tensor
                        .shape
                        .iter()
                        .try_fold(1usize, |n, &s| n.checked_mul(s));
                    if let Some(product) = product.filter(|&n| n <= MAX_REFIT_VALUES) {
                        tensor.values.resize(product, 0.5);
                    }
                }
            }
            9 => {
                let count = tensors.len();
                match a.byte() % 3 {
                    0 if count > 0 => drop(tensors.remove(a.below(count))),
                    1 if count > 0 => tensors[a.below(count)].name = a.pick(&STRINGS).to_string(),
                    _ => tensors.push(NamedTensor {
                        name: a.pick(&STRINGS).to_string(),
                        shape: vec![1],
                        values: vec![*a.pick(&FLOATS)],
                    }),
                }
            }
            11 => match a.byte() % 4 {
                0 => record = args.repeat(a.below(64)),
                1 => record.truncate(a.below(record.len() + 1)),
                2 if !record.is_empty() => {
                    let at = a.below(record.len());
                    record[at] ^= a.byte() | 1;
                }
                _ => record.extend_from_slice(args),
            },
            14 => match a.byte() % 4 {
                0 => names.retain(|name| name != NAMES[usize::from(args[1]) % NAMES.len()]),
                1 => names.push(a.pick(&NAMES).to_string()),
                2 => stale.push(a.pick(&NAMES).to_string()),
                _ => listed_extra = true,
            },
            _ => {}
        }
    }
    let mut weights = safetensors::write(&tensors);
    for (_, args) in later.iter().filter(|(op, _)| *op == 10) {
        let mut a = Source(args);
        let at = a.below(weights.len().min(4096) + 1);
        match a.byte() % 4 {
            0 => weights.truncate(at),
            1 if at < weights.len() => weights[at] ^= a.byte() | 1,
            2 => weights.splice(at..at, args.iter().copied()).for_each(drop),
            _ if weights.len() >= 8 => {
                let length = [0, 7, 9, u64::MAX, 1 << 40, weights.len() as u64][a.below(6)];
                weights[..8].copy_from_slice(&length.to_le_bytes());
            }
            _ => {}
        }
    }
    let onnx = valid
        .as_ref()
        .filter(|_| redo.onnx)
        .and_then(|parsed| onnx::export(&parsed.signature, &tensors).ok());
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for name in &names {
        let data = match name.as_str() {
            WEIGHTS_FILE => weights.clone(),
            RECORD_FILE => record.clone(),
            ONNX_FILE => onnx.clone().unwrap_or_else(|| b"not a graph".to_vec()),
            CARD_FILE | README_FILE => Vec::new(),
            other => other.as_bytes().to_vec(),
        };
        files.insert(name.clone(), data);
    }
    let hashes = |files: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, String> {
        files
            .iter()
            .map(|(name, data)| (name.clone(), sha256_hex(data)))
            .collect()
    };
    if redo.hashes {
        set(&mut manifest, "files", json!(hashes(&files)));
    }
    if let Ok(parsed) = serde_json::from_value::<Manifest>(manifest.clone()) {
        let mut version = parsed.to_version(String::new(), "", 0.0);
        version.metrics = parsed.metrics.clone();
        let card = if redo.card {
            to_markdown(&version)
        } else {
            String::new()
        };
        files
            .entry(CARD_FILE.into())
            .and_modify(|data| *data = card.into_bytes());
        let readme = if redo.card {
            to_readme(&version)
        } else {
            String::new()
        };
        files
            .entry(README_FILE.into())
            .and_modify(|data| *data = readme.into_bytes());
    }
    if redo.hashes {
        set(&mut manifest, "files", json!(hashes(&files)));
    }
    if let Some(listed) = manifest.get_mut("files").and_then(Value::as_object_mut) {
        for name in &stale {
            listed.insert(name.clone(), json!(sha256_hex(b"stale")));
        }
        if listed_extra {
            listed.insert("model.onnx".into(), json!(sha256_hex(b"")));
        }
    }
    let manifest = serde_json::to_vec_pretty(&manifest).expect("JSON values serialise");
    let mut entries: Vec<(&str, &[u8])> = vec![(MANIFEST_FILE, &manifest)];
    entries.extend(
        files
            .iter()
            .map(|(name, data)| (name.as_str(), data.as_slice())),
    );
    zip::write(&entries)
}

/// `manifest[key] = value` when the manifest is still an object (an edit may have made it
/// anything).
fn set(manifest: &mut Value, key: &str, value: Value) {
    if let Some(map) = manifest.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
}

pub fn shapes(tensors: &[NamedTensor]) -> Vec<(String, Vec<usize>)> {
    tensors
        .iter()
        .map(|t| (t.name.clone(), t.shape.clone()))
        .collect()
}
