//! `kindling pipeline run FILE`: reads a pipeline file (every mistake refused with its line),
//! runs it through core's runner with the native host, prints each step as it finishes and
//! ends with the verdict. The pipeline's memory and earlier runs come from the store folder,
//! so a second run with unchanged inputs reuses every step.

use std::path::Path;

use kindling_core::package::sha256_hex;
use kindling_core::pipeline::file::{MAX_PIPELINE_BYTES, parse};
use kindling_core::pipeline::record::{Outcome, PipelineRun, StoredPipeline, Trigger};
use kindling_core::pipeline::runner::run_pipeline;
use kindling_core::pipeline::store::PipelineStore;
use kindling_core::tracking::contract::block_on;
use serde_json::json;

use crate::args::PipelineRunArgs;
use crate::clock::{new_id, now_ms};
use crate::error::CliError;
use crate::files::read_text;
use crate::host::NativeHost;
use crate::output::Output;
use crate::progress::Progress;
use crate::store::Store;

pub fn run(args: &PipelineRunArgs) -> Result<(), CliError> {
    let out = Output { json: args.json };
    let file = &args.file;
    let text = read_text(file, MAX_PIPELINE_BYTES, "a pipeline file")?;
    let pipeline =
        parse(&text).map_err(|error| CliError::Input(format!("{}: {error}", file.display())))?;
    let store = Store::open(&args.store)?;
    let memory = store.memory();
    let now = now_ms();
    let stored = block_on(memory.pipelines())
        .map_err(|error| CliError::Input(error.to_string()))?
        .into_iter()
        .find(|stored| stored.name == pipeline.name);
    let mut remembered = match stored {
        Some(mut stored) => {
            if stored.text != text {
                stored.text = text.clone();
                stored.updated_ms = now;
            }
            stored
        }
        None => StoredPipeline {
            name: pipeline.name.clone(),
            text: text.clone(),
            created_ms: now,
            updated_ms: now,
            schema: None,
            last_profile: None,
        },
    };
    let previous = block_on(async {
        memory.save_pipeline(&remembered).await?;
        memory.pipeline_runs(&pipeline.name).await
    })
    .map_err(|error| CliError::Input(error.to_string()))?;

    let record = PipelineRun::start(
        new_id("pipe"),
        &pipeline,
        sha256_hex(text.as_bytes()),
        Trigger::Manual,
        now,
    );
    out.line(format!(
        "pipeline {} ({}), run {}, store {}",
        pipeline.name,
        file.display(),
        record.id,
        store.dir().display()
    ));
    let base_dir = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    let progress = Progress::new(out);
    let host = NativeHost::new(&store, base_dir, args.parallel.map(usize::from), &progress);
    let done = block_on(run_pipeline(
        &host,
        &pipeline,
        &mut remembered,
        &previous,
        record,
    ));
    let saved = block_on(async {
        memory.save_pipeline(&remembered).await?;
        memory.save_pipeline_run(&done).await
    })
    .map_err(|error| error.to_string())
    .and_then(|()| store.save_pipelines())
    .and_then(|()| store.save_workspace(now_ms()));
    progress.verdict(&done);
    let (outcome, step, reason) = match &done.outcome {
        Some(Outcome::Passed) => ("passed", None, None),
        Some(Outcome::Failed { step, reason }) => {
            ("failed", Some(step.title()), Some(reason.as_str()))
        }
        Some(Outcome::Stopped) => ("stopped", None, None),
        Some(Outcome::Interrupted) => ("interrupted", None, None),
        None => ("running", None, None),
    };
    out.json(&json!({
        "pipeline": pipeline.name,
        "file": file.display().to_string(),
        "store": store.dir().display().to_string(),
        "outcome": outcome,
        "failed_step": step,
        "reason": reason,
        "run": done,
    }));
    if let Some(error) = saved.err().or_else(|| host.write_failure()) {
        return Err(CliError::Input(format!(
            "the store could not be written: {error}"
        )));
    }
    match done.outcome {
        Some(Outcome::Passed) => Ok(()),
        _ => Err(CliError::Reported),
    }
}
