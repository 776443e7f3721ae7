//! The workspace file: every run (summary, epochs, evaluation, kept model), every uploaded
//! dataset, and the whole registry (models with their gates, aliases and alias history; every
//! version with its package). Importing it into an empty profile gives the same workbench.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::data::prepare::dataset_id;
use crate::package::sha256_hex;
use crate::registry::RegisteredModel;
use crate::registry::store::VersionBundle;
use crate::tracking::{RunBundle, StoredDataset};

/// Written into every file now. Version 2 added the runs' models and the registry.
pub const WORKSPACE_FORMAT: &str = "kindling-workspace/2";
/// Every format this version reads; a reader refuses any other rather than guess.
pub const READABLE_FORMATS: [&str; 2] = ["kindling-workspace/1", WORKSPACE_FORMAT];
/// A file larger than this is refused before it is read: a browser tab would run out of memory
/// reading it, and no classroom's work comes near it.
pub const MAX_WORKSPACE_BYTES: usize = 512 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub format: String,
    pub app_version: String,
    pub exported_ms: f64,
    pub runs: Vec<RunBundle>,
    pub datasets: Vec<StoredDataset>,
    #[serde(default)]
    pub models: Vec<RegisteredModel>,
    #[serde(default)]
    pub versions: Vec<VersionBundle>,
    /// Set in a student's hand-in: whose it is and which experiment it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand_in: Option<HandIn>,
}

/// Who handed the file in and which of their experiments it holds (`hand_in`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandIn {
    pub student: String,
    pub experiment: String,
}

#[derive(Debug, Error, PartialEq)]
pub enum WorkspaceError {
    #[error(
        "the file is {} MB; workspace files up to {} MB can be imported",
        .0 / 1_000_000,
        MAX_WORKSPACE_BYTES / 1_000_000
    )]
    TooLarge(usize),
    #[error("this file is not a Kindling workspace: it is not JSON ({0})")]
    NotJson(String),
    #[error("this file is not a Kindling workspace: it has no \"format\" field")]
    NoFormat,
    #[error(
        "this workspace was written as {found}, which this version of Kindling cannot read (it \
         reads kindling-workspace/1 and {WORKSPACE_FORMAT}); open it in a newer Kindling"
    )]
    UnknownFormat { found: String },
    #[error("the workspace file is damaged: {0}")]
    Damaged(String),
}

impl Workspace {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a workspace always serialises")
    }

    pub fn from_json(bytes: &[u8]) -> Result<Self, WorkspaceError> {
        if bytes.len() > MAX_WORKSPACE_BYTES {
            return Err(WorkspaceError::TooLarge(bytes.len()));
        }
        // Read straight into the types, which took a 10,000-run file (65 MB) 210 ms natively
        // against 650-940 ms through a `serde_json::Value`; the page waits for this. Only a
        // file that does not fit is read the slow way, to say what is wrong with it.
        let workspace: Workspace = match serde_json::from_slice(bytes) {
            Ok(workspace) => workspace,
            Err(error) => return Err(Self::refusal(bytes, &error)),
        };
        if !READABLE_FORMATS.contains(&workspace.format.as_str()) {
            return Err(WorkspaceError::UnknownFormat {
                found: workspace.format,
            });
        }
        workspace.check()?;
        Ok(workspace)
    }

    /// What a file must be to be imported: rows that match their dataset's version id (or a
    /// later re-run would silently train on other data), packages that match their version's
    /// hash, and versions that belong to a model in the file.
    pub(super) fn check(&self) -> Result<(), WorkspaceError> {
        if let Some(stored) = self
            .datasets
            .iter()
            .find(|stored| dataset_id(&stored.dataset) != stored.entry.id)
        {
            return Err(WorkspaceError::Damaged(format!(
                "the rows of dataset \"{}\" do not match its version id",
                stored.entry.name
            )));
        }
        for bundle in &self.versions {
            let version = &bundle.version;
            if sha256_hex(&bundle.package) != version.package_sha256 {
                return Err(WorkspaceError::Damaged(format!(
                    "the package of {} v{} does not match its hash",
                    version.model, version.version
                )));
            }
            if !self.models.iter().any(|model| model.name == version.model) {
                return Err(WorkspaceError::Damaged(format!(
                    "{} v{} belongs to no model in the file",
                    version.model, version.version
                )));
            }
        }
        Ok(())
    }

    /// Why `bytes`, which are not a workspace this version reads (`error`), were refused: not
    /// JSON (said by the first reading itself), or no format, another format, or this format
    /// with something missing or malformed (read again for the format alone, skipping the rest
    /// without building it).
    pub(super) fn refusal(bytes: &[u8], error: &serde_json::Error) -> WorkspaceError {
        if error.is_syntax() || error.is_eof() || error.is_io() {
            return WorkspaceError::NotJson(error.to_string());
        }
        #[derive(Deserialize)]
        struct FormatOnly {
            format: Option<serde_json::Value>,
        }
        match serde_json::from_slice::<FormatOnly>(bytes).map(|file| file.format) {
            Ok(Some(serde_json::Value::String(format)))
                if !READABLE_FORMATS.contains(&format.as_str()) =>
            {
                WorkspaceError::UnknownFormat { found: format }
            }
            Ok(Some(serde_json::Value::String(_))) => WorkspaceError::Damaged(error.to_string()),
            Ok(_) => WorkspaceError::NoFormat,
            Err(_) => WorkspaceError::NoFormat,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::SyntheticSpec;

    fn empty(format: &str) -> Workspace {
        Workspace {
            format: format.into(),
            app_version: "0.1.0".into(),
            exported_ms: 1.0,
            runs: Vec::new(),
            datasets: Vec::new(),
            models: Vec::new(),
            versions: Vec::new(),
            hand_in: None,
        }
    }

    #[test]
    fn unreadable_files_are_refused_in_words() {
        assert!(matches!(
            Workspace::from_json(b"\x89PNG"),
            Err(WorkspaceError::NotJson(_))
        ));
        assert_eq!(
            Workspace::from_json(b"{\"runs\": []}"),
            Err(WorkspaceError::NoFormat)
        );
        assert_eq!(
            Workspace::from_json(b"[1, 2]"),
            Err(WorkspaceError::NoFormat)
        );
        assert_eq!(
            Workspace::from_json(b"{\"format\": \"kindling-workspace/9\"}")
                .unwrap_err()
                .to_string(),
            "this workspace was written as kindling-workspace/9, which this version of Kindling \
             cannot read (it reads kindling-workspace/1 and kindling-workspace/2); open it in a \
             newer Kindling"
        );
        let newer = empty("kindling-workspace/3");
        assert_eq!(
            Workspace::from_json(newer.to_json().as_bytes()),
            Err(WorkspaceError::UnknownFormat {
                found: "kindling-workspace/3".into()
            }),
            "a newer file is refused even when its fields happen to fit"
        );
        let damaged = format!("{{\"format\": \"{WORKSPACE_FORMAT}\", \"runs\": 3}}");
        assert!(matches!(
            Workspace::from_json(damaged.as_bytes()),
            Err(WorkspaceError::Damaged(_))
        ));
        let huge = vec![b' '; MAX_WORKSPACE_BYTES + 1];
        assert_eq!(
            Workspace::from_json(&huge),
            Err(WorkspaceError::TooLarge(MAX_WORKSPACE_BYTES + 1))
        );
    }

    #[test]
    fn rows_and_packages_must_match_their_hashes() {
        let mut tampered = empty(WORKSPACE_FORMAT);
        tampered.datasets = vec![StoredDataset::new(
            SyntheticSpec::default().generate().unwrap(),
            1.0,
        )];
        assert!(Workspace::from_json(tampered.to_json().as_bytes()).is_ok());
        tampered.datasets[0].dataset.features[0] += 1.0;
        let refused = Workspace::from_json(tampered.to_json().as_bytes()).unwrap_err();
        assert!(refused.to_string().ends_with("do not match its version id"));

        let mut packaged = empty(WORKSPACE_FORMAT);
        let mut version = crate::registry::fixtures::version("iris", 1);
        version.package_sha256 = sha256_hex(b"the package");
        packaged.models = vec![RegisteredModel::new("iris", 1.0).unwrap()];
        packaged.versions = vec![VersionBundle {
            version,
            package: b"the package".to_vec(),
        }];
        assert!(Workspace::from_json(packaged.to_json().as_bytes()).is_ok());
        packaged.versions[0].package = b"another package".to_vec();
        let refused = Workspace::from_json(packaged.to_json().as_bytes()).unwrap_err();
        assert!(refused.to_string().contains("does not match its hash"));
    }
}
