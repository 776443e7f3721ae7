//! The model registry's pages: every model (and the package upload), one model (its gates,
//! versions and alias history), one version (card, metrics, gate report, lineage, actions).

mod list;
mod model;
mod version;

pub use list::ModelsPage;
pub use model::ModelPage;
pub use version::VersionPage;
