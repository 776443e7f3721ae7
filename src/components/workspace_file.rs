//! Reading a workspace file (a whole workspace, or a student's hand-in) without freezing the
//! page: the Runs page imports one, the Hand-ins page opens many.

use kindling_core::workspace::{Workspace, WorkspaceError, WorkspaceReader};

use crate::platform::files;
use crate::platform::tasks::TimeSlice;
use crate::state::models::Models;

/// Reads a workspace file: the worker reads and checks it whole and says where its records
/// lie, then the page reads the records from its own copy, giving the main thread back between
/// slices (read in one go on the page, a 10,000-run file held it for half a second and more).
pub async fn read_workspace(file: &files::PickedFile, models: Models) -> Result<Workspace, String> {
    let named = |error: WorkspaceError| format!("{}: {error}", file.name);
    let url = file.object_url()?;
    let outline = models
        .outline_workspace(url.as_str().to_owned())
        .await
        .map_err(|error| format!("{}: {error}", file.name))?;
    drop(url);
    let bytes = file.bytes().await?;
    let mut reader = WorkspaceReader::outlined(&bytes, outline).map_err(named)?;
    let mut slice = TimeSlice::start(IMPORT_SLICE_MS);
    while reader.read_next().map_err(named)? {
        slice.yield_when_over().await;
    }
    reader.finish().map_err(named)
}

/// How long reading a workspace file's records holds the main thread before it gives it back.
const IMPORT_SLICE_MS: f64 = 8.0;
