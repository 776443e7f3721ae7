//! Packages written, opened, and broken one check at a time.

use super::*;
use crate::registry::ModelVersion;
use crate::registry::fixtures::version;
use crate::signature::{Cell, Prediction, SignatureError};
use safetensors::NamedTensor;

fn weights_for(version: &ModelVersion, value: f32) -> Vec<u8> {
    let tensors: Vec<NamedTensor> = expected_tensors(&version.signature)
        .into_iter()
        .map(|(name, shape)| NamedTensor {
            values: vec![value; shape.iter().product()],
            name,
            shape,
        })
        .collect();
    safetensors::write(&tensors)
}

fn example() -> Example {
    Example {
        inputs: vec![vec![Cell::Number(0.5), Cell::Number(-0.5)]],
        predictions: vec![Prediction::Class {
            label: 1,
            probabilities: vec![0.25, 0.75],
        }],
    }
}

fn package_with(version: &ModelVersion, weights: Vec<u8>) -> Vec<u8> {
    let onnx = safetensors::read(&weights)
        .ok()
        .and_then(|tensors| onnx::export(&version.signature, &tensors).ok());
    let files = PackageFiles {
        record: b"burn record".to_vec(),
        weights,
        onnx,
    };
    build(version, &files, example())
}

fn good() -> (ModelVersion, Vec<u8>) {
    let v = version("spiral", 3);
    let bytes = package_with(&v, weights_for(&v, 0.5));
    (v, bytes)
}

/// The package's entries with one replaced (or removed, for `None`), re-zipped.
fn edited(bytes: &[u8], name: &str, data: Option<&[u8]>) -> Vec<u8> {
    let entries = zip::read(bytes, &zip::PACKAGE_LIMITS).unwrap();
    let kept: Vec<(String, Vec<u8>)> = entries
        .into_iter()
        .filter_map(|(entry, old)| match (entry == name, data) {
            (false, _) => Some((entry, old)),
            (true, Some(new)) => Some((entry, new.to_vec())),
            (true, None) => None,
        })
        .collect();
    let borrowed: Vec<(&str, &[u8])> = kept
        .iter()
        .map(|(name, data)| (name.as_str(), data.as_slice()))
        .collect();
    zip::write(&borrowed)
}

fn manifest_of(bytes: &[u8]) -> Manifest {
    let entries = zip::read(bytes, &zip::PACKAGE_LIMITS).unwrap();
    serde_json::from_slice(&entries[0].1).unwrap()
}

fn with_manifest(bytes: &[u8], manifest: &Manifest) -> Vec<u8> {
    edited(
        bytes,
        MANIFEST_FILE,
        Some(&serde_json::to_vec_pretty(manifest).unwrap()),
    )
}

#[test]
fn a_package_opens_to_its_manifest_and_files() {
    let (v, bytes) = good();
    let opened = open(&bytes).unwrap();
    assert_eq!(opened.manifest.name, "spiral");
    assert_eq!(opened.manifest.version, 3);
    assert_eq!(opened.manifest.format, PACKAGE_FORMAT);
    assert_eq!(opened.manifest.signature, v.signature);
    assert_eq!(opened.manifest.example, example());
    assert_eq!(opened.record, b"burn record");
    assert_eq!(opened.sha256, sha256_hex(&bytes));
    let names: Vec<String> = zip::read(&bytes, &zip::PACKAGE_LIMITS)
        .unwrap()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let mut expected = vec![
        MANIFEST_FILE,
        WEIGHTS_FILE,
        RECORD_FILE,
        ONNX_FILE,
        CARD_FILE,
        README_FILE,
    ];
    expected.extend(mlflow::MLFLOW_FILES);
    assert_eq!(names, expected);
    let version = opened
        .manifest
        .to_version(opened.sha256.clone(), "x.kindling.zip", 9.0);
    assert_eq!(version.weights_sha256, opened.manifest.files[WEIGHTS_FILE]);
    assert_eq!(version.lineage, v.lineage);
}

#[test]
fn the_same_version_gives_the_same_bytes_and_the_card_changes_them() {
    let (mut v, bytes) = good();
    assert_eq!(package_with(&v, weights_for(&v, 0.5)), bytes);
    v.card.intended_use = "Teaching.".into();
    let changed = package_with(&v, weights_for(&v, 0.5));
    assert_ne!(changed, bytes);
    assert_eq!(
        open(&changed).unwrap().manifest.card.intended_use,
        "Teaching."
    );
}

#[test]
fn every_broken_package_names_its_failing_check() {
    let (v, bytes) = good();
    type Case = (&'static str, Vec<u8>, fn(&PackageError) -> bool);
    let cases: Vec<Case> = vec![
        ("truncated", bytes[..bytes.len() / 2].to_vec(), |e| {
            matches!(e, PackageError::Archive(_))
        }),
        ("not a zip", b"hello".to_vec(), |e| {
            matches!(e, PackageError::Archive(_))
        }),
        ("missing weights", edited(&bytes, WEIGHTS_FILE, None), |e| {
            matches!(e, PackageError::MissingFile(WEIGHTS_FILE))
        }),
        (
            "missing manifest",
            edited(&bytes, MANIFEST_FILE, None),
            |e| matches!(e, PackageError::MissingFile(MANIFEST_FILE)),
        ),
        (
            "changed card",
            edited(&bytes, CARD_FILE, Some(b"# edited")),
            |e| matches!(e, PackageError::HashMismatch(name) if name == CARD_FILE),
        ),
        (
            "garbage manifest",
            edited(&bytes, MANIFEST_FILE, Some(b"{not json")),
            |e| matches!(e, PackageError::Manifest(_)),
        ),
        (
            "huge manifest",
            edited(
                &bytes,
                MANIFEST_FILE,
                Some(&vec![b' '; MAX_MANIFEST_BYTES + 1]),
            ),
            |e| matches!(e, PackageError::ManifestTooLarge(_)),
        ),
    ];
    for (case, broken, expected) in cases {
        let error = open(&broken).expect_err(case);
        assert!(expected(&error), "{case}: {error}");
    }

    let mut future = manifest_of(&bytes);
    future.format = "kindling-package/9".into();
    let error = open(&with_manifest(&bytes, &future)).unwrap_err();
    assert_eq!(
        error,
        PackageError::FormatVersion("kindling-package/9".into())
    );
    assert!(error.to_string().contains("cannot read"));

    // Weights of the wrong shape and NaN weights, each with a manifest whose hashes match,
    // so the check that fails is the one about the weights.
    let mut other = v.clone();
    other.signature.model = crate::spec::ModelSpec::mlp(vec![3]);
    let wrong_shape = package_with(&v, weights_for(&other, 0.5));
    let error = open(&wrong_shape).unwrap_err();
    assert!(matches!(error, PackageError::TensorShapes(_)), "{error}");
    let nan = package_with(&v, weights_for(&v, f32::NAN));
    assert!(matches!(open(&nan), Err(PackageError::NonFinite(count)) if count > 0));

    let mut extra = zip::read(&bytes, &zip::PACKAGE_LIMITS).unwrap();
    extra.push(("run.sh".into(), b"rm -rf /".to_vec()));
    let borrowed: Vec<(&str, &[u8])> = extra
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    assert_eq!(
        open(&zip::write(&borrowed)).unwrap_err(),
        PackageError::UnexpectedFile("run.sh".into())
    );
}

/// The package with one file replaced and the manifest's hashes brought up to date, so the
/// check that fails is the one about the file's content.
fn rehashed(bytes: &[u8], name: &str, data: &[u8]) -> Vec<u8> {
    let mut manifest = manifest_of(bytes);
    manifest.files.insert(name.to_owned(), sha256_hex(data));
    with_manifest(&edited(bytes, name, Some(data)), &manifest)
}

#[test]
fn what_the_manifest_says_about_itself_is_checked_before_the_weights() {
    let (_, bytes) = good();
    let refused = |change: fn(&mut Manifest)| {
        let mut manifest = manifest_of(&bytes);
        change(&mut manifest);
        open(&with_manifest(&bytes, &manifest)).unwrap_err()
    };
    assert!(matches!(
        refused(|m| m.name = "../etc".into()),
        PackageError::Name(_)
    ));
    assert!(matches!(
        refused(|m| m.version = 0),
        PackageError::Manifest(_)
    ));
    assert!(matches!(
        refused(|m| m.signature.model = crate::spec::ModelSpec::Mlp {
            hidden_layers: vec![64, 64],
            activation: crate::spec::Activation::Relu,
            dropout: 5.0,
        }),
        PackageError::Signature(_)
    ));
    assert!(matches!(
        refused(|m| m.signature.preprocessing.features.std[0] = 0.0),
        PackageError::Signature(SignatureError::Scale)
    ));
    // Bounds a page would otherwise trust: an image shape whose product overflows (or is not
    // the model's inputs) on a model that is not a CNN, and an unbounded class list.
    assert!(matches!(
        refused(|m| m.signature.image_shape = Some(crate::data::ImageShape {
            height: usize::MAX,
            width: 3
        })),
        PackageError::Signature(SignatureError::ImagePixels(_))
    ));
    let many = refused(|m| {
        if let crate::signature::Output::Classes { class_names, .. } = &mut m.signature.output {
            *class_names = (0..1_000).map(|i| format!("c{i}")).collect();
        }
    });
    assert!(
        matches!(
            many,
            PackageError::Signature(SignatureError::Classes(1_000))
        ),
        "{many}"
    );
    let error = refused(|m| {
        m.example.inputs.clear();
        m.example.predictions.clear();
    });
    assert!(matches!(error, PackageError::Manifest(_)), "{error}");
    assert!(matches!(
        refused(|m| m.task = crate::data::Task::Regression),
        PackageError::Manifest(_)
    ));
}

#[test]
fn a_card_or_graph_edited_outside_kindling_is_refused_even_with_fresh_hashes() {
    let (_, bytes) = good();
    assert_eq!(
        open(&rehashed(&bytes, CARD_FILE, b"# My own card")).unwrap_err(),
        PackageError::Derived(CARD_FILE)
    );
    assert_eq!(
        open(&rehashed(&bytes, README_FILE, b"---\nlicense: mit\n---\n")).unwrap_err(),
        PackageError::Derived(README_FILE)
    );
    assert_eq!(
        open(&edited(&bytes, README_FILE, None)).unwrap_err(),
        PackageError::MissingFile(README_FILE),
        "a format-2 package without its README is incomplete"
    );
    let entries = zip::read(&bytes, &zip::PACKAGE_LIMITS).unwrap();
    let mut graph = entries
        .iter()
        .find(|(n, _)| n == ONNX_FILE)
        .unwrap()
        .1
        .clone();
    let last = graph.len() - 1;
    graph[last] ^= 1;
    assert_eq!(
        open(&rehashed(&bytes, ONNX_FILE, &graph)).unwrap_err(),
        PackageError::Derived(ONNX_FILE)
    );
    // The MLflow model is made from the manifest too: an edited loader would run other code.
    let loader = b"import os\nos.system('curl evil')\n";
    assert_eq!(
        open(&rehashed(&bytes, mlflow::LOADER_FILE, loader)).unwrap_err(),
        PackageError::Derived(mlflow::LOADER_FILE)
    );
    assert_eq!(
        open(&rehashed(&bytes, mlflow::MLMODEL_FILE, b"flavors: {}\n")).unwrap_err(),
        PackageError::Derived(mlflow::MLMODEL_FILE)
    );
    let mut manifest = manifest_of(&bytes);
    manifest.files.remove(mlflow::MLMODEL_FILE);
    assert_eq!(
        open(&with_manifest(
            &edited(&bytes, mlflow::MLMODEL_FILE, None),
            &manifest
        ))
        .unwrap_err(),
        PackageError::MissingFile(mlflow::MLMODEL_FILE),
        "a format-3 package with a graph holds the MLflow model that runs it"
    );
    let mut manifest = manifest_of(&bytes);
    manifest.files.remove(CARD_FILE);
    assert_eq!(
        open(&with_manifest(&bytes, &manifest)).unwrap_err(),
        PackageError::UnlistedFile(CARD_FILE.into())
    );
}

#[test]
fn the_example_check_allows_rounding_but_not_another_answer() {
    let ex = example();
    let close = vec![Prediction::Class {
        label: 1,
        probabilities: vec![0.250_001, 0.749_999],
    }];
    assert!(check_example(&ex, &close).is_ok());
    let other = vec![Prediction::Class {
        label: 0,
        probabilities: vec![0.75, 0.25],
    }];
    assert!(matches!(
        check_example(&ex, &other),
        Err(PackageError::Prediction(_))
    ));
    assert!(check_example(&ex, &[]).is_err());
}

#[test]
fn tensor_names_follow_the_network_and_probes_follow_the_data() {
    let v = version("spiral", 1);
    let names: Vec<String> = expected_tensors(&v.signature)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert!(
        names.contains(&"Mlp.hidden.0.weight".to_owned()),
        "{names:?}"
    );
    assert!(names.contains(&"Mlp.output.bias".to_owned()));
    let probes = probe_inputs(&v.signature);
    assert_eq!(probes.len(), EXAMPLE_ROWS);
    let mean = &v.signature.preprocessing.features.mean;
    let first: Vec<Cell> = mean.iter().map(|&m| Cell::Number(m)).collect();
    assert_eq!(probes[0], first);
    assert!(
        probes
            .iter()
            .all(|row| row.len() == v.signature.input_size())
    );
    assert_ne!(probes[1], probes[2]);
}
