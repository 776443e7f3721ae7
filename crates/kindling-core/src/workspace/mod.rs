//! A whole workspace as one file, and how it is exported from and imported into the stores:
//! runs with their models, uploaded datasets, and the registry (models, gates, aliases and
//! their history, versions and packages). A teacher imports a student's file beside their own
//! work: nothing stored is ever replaced (`plan`), and the import lands whole or not at all.
//! The page reads a file a record at a time (`reader`), giving the main thread back between.
//! `memory` keeps every store in memory for native tests; `contract` is what every
//! [`WorkspaceStore`] must do. A student's hand-in is a workspace cut down to one experiment
//! (`hand_in`).

pub mod contract;
pub mod file;
pub mod hand_in;
pub mod memory;
pub mod plan;
pub mod reader;
pub mod store;
pub mod usage;

pub use file::{
    MAX_WORKSPACE_BYTES, READABLE_FORMATS, WORKSPACE_FORMAT, Workspace, WorkspaceError,
};
pub use plan::{ImportPlan, plan_import};
pub use reader::{WorkspaceOutline, WorkspaceReader};
pub use store::{SharedWorkspace, WorkspaceStore, export_workspace, import_workspace};
