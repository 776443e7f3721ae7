//! `kindling predict PACKAGE CSV`: the browser's batch predictions (Predict page, "Score a
//! file"), on the command line. The package is checked as on upload, the file's columns are
//! checked against the model's inputs with core's `scoring::batch`, and the answer is what the
//! page's predictions.csv holds: the file's columns, then `predicted_<target>` and, for
//! classes, `probability_<class>` per class. The summary goes to stderr, the CSV to stdout.

use std::io::Write;

use kindling_core::data::csv::MAX_FILE_BYTES;
use kindling_core::scoring::batch::{BatchFile, feature_matrix, read_rows, scored, to_csv};
use serde_json::json;

use crate::args::PredictArgs;
use crate::clock::now_ms;
use crate::error::CliError;
use crate::files::read_limited;
use crate::output::Output;
use crate::package_file;

pub fn run(args: &PredictArgs) -> Result<(), CliError> {
    let out = Output { json: args.json };
    let (opened, model) = package_file::open(&args.package)?;
    let version = opened.manifest.to_version(
        opened.sha256.clone(),
        &package_file::file_name(&args.package),
        now_ms(),
    );
    let csv = &args.csv;
    let bytes = read_limited(csv, MAX_FILE_BYTES, "a CSV file Kindling scores")?;
    let table = read_rows(&bytes)
        .map_err(|error| CliError::Input(format!("{}: {error}", csv.display())))?;
    let (rows, notes) = feature_matrix(&version.signature, &table).map_err(|refusal| {
        let mut text = format!("{}: {}", csv.display(), refusal.heading);
        for problem in refusal.problems {
            text.push_str(&format!("\n  {problem}"));
        }
        CliError::Refused(text)
    })?;
    let predictions = model.predict(&rows);
    let file = BatchFile {
        name: package_file::file_name(csv),
        table,
    };
    let answered = scored(&file, &version, &predictions, notes)
        .map_err(|error| CliError::Refused(format!("{}: {error}", csv.display())))?;
    out.json(&json!({
        "model": version.model,
        "version": version.version,
        "header": answered.header,
        "rows": answered.rows,
        "summary": answered.summary,
    }));
    if !out.json {
        // A closed pipe (`| head`) ends the output early; that is not a failure.
        let _ = std::io::stdout()
            .lock()
            .write_all(to_csv(&answered).as_bytes());
        for line in &answered.summary {
            out.note(line);
        }
    }
    Ok(())
}
