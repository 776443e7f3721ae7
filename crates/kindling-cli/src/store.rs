//! The command line's store: everything a pipeline keeps between invocations, as plain files in
//! one folder (`--store`, `.kindling` by default), read into core's in-memory store at start and
//! written back as things change. The layout:
//!
//! ```text
//! DIR/workspace.json        runs (epochs, evaluations, kept models), imported datasets and the
//!                           registry (models, aliases, versions with their packages): a
//!                           `kindling-workspace/2` file, which the browser's Import reads as is
//! DIR/pipelines.json        each pipeline's memory (its file, the schema it inferred, the last
//!                           data version it saw) and every run of it (`kindling-cli-pipelines/1`)
//! DIR/packages/<model>-v<n>.kindling.zip
//!                           a copy of each version's package, written when it is registered
//! ```
//!
//! Every file is replaced whole (a temporary file renamed into place), so an interrupted
//! command leaves the previous state readable. Runs and pipeline runs a killed command left
//! running are marked interrupted when the store is next opened, as the browser does after a
//! reload. One command at a time per folder: two at once would each write what they saw.

use std::fs;
use std::path::{Path, PathBuf};

use kindling_core::pipeline::record::{PipelineRun, StoredPipeline};
use kindling_core::pipeline::store::{PipelineStore, interrupt_unfinished};
use kindling_core::registry::ModelVersion;
use kindling_core::tracking::contract::block_on;
use kindling_core::tracking::store::RunStore;
use kindling_core::workspace::memory::MemoryStore;
use kindling_core::workspace::{
    MAX_WORKSPACE_BYTES, Workspace, export_workspace, import_workspace,
};
use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::files::{io_words, read_limited, write_atomically};

pub const WORKSPACE_FILE: &str = "workspace.json";
pub const PIPELINES_FILE: &str = "pipelines.json";
pub const PACKAGES_DIR: &str = "packages";
const PIPELINES_FORMAT: &str = "kindling-cli-pipelines/1";
/// Pipeline records are small; a file this large was not written by Kindling.
const MAX_PIPELINES_BYTES: usize = 256 * 1024 * 1024;

/// `pipelines.json`.
#[derive(Serialize, Deserialize)]
struct PipelinesFile {
    format: String,
    pipelines: Vec<StoredPipeline>,
    runs: Vec<PipelineRun>,
}

/// The store folder, held in memory while a command runs.
pub struct Store {
    dir: PathBuf,
    memory: MemoryStore,
}

impl Store {
    /// Opens the store in `dir`, creating the folder when it is not there yet.
    pub fn open(dir: &Path) -> Result<Self, CliError> {
        fs::create_dir_all(dir).map_err(|error| {
            CliError::Input(format!(
                "{}: cannot create the store folder: {}",
                dir.display(),
                io_words(&error)
            ))
        })?;
        let store = Self {
            dir: dir.to_path_buf(),
            memory: MemoryStore::default(),
        };
        store.load_workspace()?;
        store.load_pipelines()?;
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Core's in-memory store, which implements the run, registry and pipeline stores.
    pub fn memory(&self) -> &MemoryStore {
        &self.memory
    }

    fn damaged(path: &Path, why: impl std::fmt::Display) -> CliError {
        CliError::Input(format!(
            "{}: the store file is damaged ({why}); move it away to start a fresh store",
            path.display()
        ))
    }

    fn load_workspace(&self) -> Result<(), CliError> {
        let path = self.dir.join(WORKSPACE_FILE);
        if !path.exists() {
            return Ok(());
        }
        let bytes = read_limited(&path, MAX_WORKSPACE_BYTES, "a workspace file")?;
        let workspace =
            Workspace::from_json(&bytes).map_err(|error| Self::damaged(&path, error))?;
        block_on(async {
            import_workspace(&self.memory, workspace).await?;
            self.memory.interrupt_running(None).await
        })
        .map_err(|error| Self::damaged(&path, error))?;
        Ok(())
    }

    fn load_pipelines(&self) -> Result<(), CliError> {
        let path = self.dir.join(PIPELINES_FILE);
        if !path.exists() {
            return Ok(());
        }
        let bytes = read_limited(&path, MAX_PIPELINES_BYTES, "a pipelines file")?;
        let file: PipelinesFile =
            serde_json::from_slice(&bytes).map_err(|error| Self::damaged(&path, error))?;
        if file.format != PIPELINES_FORMAT {
            return Err(Self::damaged(
                &path,
                format!(
                    "it is format \"{}\"; this version reads \"{PIPELINES_FORMAT}\"",
                    file.format
                ),
            ));
        }
        block_on(async {
            for pipeline in &file.pipelines {
                self.memory.save_pipeline(pipeline).await?;
            }
            for run in &file.runs {
                self.memory.save_pipeline_run(run).await?;
            }
            interrupt_unfinished(&self.memory).await
        })
        .map_err(|error| Self::damaged(&path, error))?;
        Ok(())
    }

    /// Writes the runs and the registry to `workspace.json`.
    pub fn save_workspace(&self, now_ms: f64) -> Result<(), String> {
        let workspace =
            block_on(export_workspace(&self.memory, now_ms)).map_err(|error| error.to_string())?;
        write_atomically(
            &self.dir.join(WORKSPACE_FILE),
            workspace.to_json().as_bytes(),
        )
    }

    /// Writes every pipeline and pipeline run to `pipelines.json`.
    pub fn save_pipelines(&self) -> Result<(), String> {
        let file = block_on(async {
            let pipelines = self.memory.pipelines().await?;
            let mut runs = Vec::new();
            for pipeline in &pipelines {
                runs.extend(self.memory.pipeline_runs(&pipeline.name).await?);
            }
            Ok::<_, kindling_core::storage::StoreError>(PipelinesFile {
                format: PIPELINES_FORMAT.to_owned(),
                pipelines,
                runs,
            })
        })
        .map_err(|error| error.to_string())?;
        let text = serde_json::to_string(&file).map_err(|error| error.to_string())?;
        write_atomically(&self.dir.join(PIPELINES_FILE), text.as_bytes())
    }

    /// Keeps a copy of a version's package as `packages/<model>-v<n>.kindling.zip`.
    pub fn write_package(&self, version: &ModelVersion, package: &[u8]) -> Result<PathBuf, String> {
        let folder = self.dir.join(PACKAGES_DIR);
        fs::create_dir_all(&folder).map_err(|error| {
            format!(
                "{}: cannot create it: {}",
                folder.display(),
                io_words(&error)
            )
        })?;
        let path = folder.join(version.package_file_name());
        write_atomically(&path, package)?;
        Ok(path)
    }
}
