//! `kindling verify PACKAGE`: every check the browser applies to an uploaded package file
//! (`package_file`), and what the package holds when all pass: the model and version, what it
//! takes and predicts, where it came from and its scores.

use kindling_core::ids::short_id;
use kindling_core::signature::Output as Predicts;
use serde_json::json;

use crate::args::VerifyArgs;
use crate::error::CliError;
use crate::output::{Output, metric};
use crate::package_file;

pub fn run(args: &VerifyArgs) -> Result<(), CliError> {
    let out = Output { json: args.json };
    let (opened, _model) = package_file::open(&args.package)?;
    let manifest = &opened.manifest;
    let signature = &manifest.signature;
    let lineage = &manifest.recipe;
    out.json(&json!({
        "ok": true,
        "file": args.package.display().to_string(),
        "model": manifest.name,
        "version": manifest.version,
        "format": manifest.format,
        "sha256": opened.sha256,
        "signature": signature,
        "metrics": manifest.metrics,
        "lineage": lineage,
    }));
    out.line(format!(
        "{}: every upload check passed",
        args.package.display()
    ));
    out.line(format!(
        "model      {} v{}",
        manifest.name, manifest.version
    ));
    out.line(format!(
        "inputs     {} column{}: {}",
        signature.feature_names.len(),
        if signature.feature_names.len() == 1 {
            ""
        } else {
            "s"
        },
        signature.feature_names.join(", ")
    ));
    out.line(match &signature.output {
        Predicts::Classes {
            target,
            class_names,
        } => {
            format!("predicts   {target}, one of {}", class_names.join(", "))
        }
        Predicts::Value { target } => format!("predicts   {target}, a number"),
    });
    out.line(format!("network    {}", signature.model.label()));
    out.line(format!(
        "trained    run {} ({}) on {}, data version {}",
        lineage.run_name,
        short_id(&lineage.run_id),
        lineage.dataset.name,
        short_id(&lineage.dataset.id)
    ));
    let scores: Vec<String> = manifest
        .metrics
        .iter()
        .filter(|(name, _)| name.starts_with("test_"))
        .map(|(name, value)| format!("{name} {}", metric(Some(*value))))
        .collect();
    if !scores.is_empty() {
        out.line(format!("scores     {}", scores.join(", ")));
    }
    out.line(format!("sha256     {}", opened.sha256));
    Ok(())
}
