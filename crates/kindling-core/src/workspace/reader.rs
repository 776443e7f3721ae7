//! A workspace file read one record at a time, so the page can give the main thread back
//! between records: reading a 10,000-run file (65 MB) into its types in one go was a single
//! long task of half a second. The file is first read as an outline (the top-level fields, and
//! each run, dataset and version as its raw text, which only has to be scanned), then each
//! record is read into its type by [`WorkspaceReader::read_next`]. The result and the refusals
//! are [`Workspace::from_json`]'s, which reads straight into the types where nothing waits on
//! it (the command line, tests).

use serde::Deserialize;
use serde_json::value::RawValue;

use super::file::{MAX_WORKSPACE_BYTES, READABLE_FORMATS, Workspace, WorkspaceError};
use crate::registry::RegisteredModel;

#[derive(Deserialize)]
struct Outline<'a> {
    format: String,
    app_version: String,
    exported_ms: f64,
    #[serde(borrow)]
    runs: Vec<&'a RawValue>,
    #[serde(borrow)]
    datasets: Vec<&'a RawValue>,
    #[serde(default)]
    models: Vec<RegisteredModel>,
    #[serde(default, borrow)]
    versions: Vec<&'a RawValue>,
}

pub struct WorkspaceReader<'a> {
    outline: Outline<'a>,
    read: Workspace,
    /// How many records (runs, then datasets, then versions) have been read.
    next: usize,
}

impl<'a> WorkspaceReader<'a> {
    /// Reads the outline; a file that is not a workspace this version reads is refused here.
    pub fn start(bytes: &'a [u8]) -> Result<Self, WorkspaceError> {
        if bytes.len() > MAX_WORKSPACE_BYTES {
            return Err(WorkspaceError::TooLarge(bytes.len()));
        }
        let mut outline: Outline =
            serde_json::from_slice(bytes).map_err(|error| Workspace::refusal(bytes, &error))?;
        if !READABLE_FORMATS.contains(&outline.format.as_str()) {
            return Err(WorkspaceError::UnknownFormat {
                found: outline.format,
            });
        }
        let read = Workspace {
            format: outline.format.clone(),
            app_version: outline.app_version.clone(),
            exported_ms: outline.exported_ms,
            runs: Vec::with_capacity(outline.runs.len()),
            datasets: Vec::with_capacity(outline.datasets.len()),
            models: std::mem::take(&mut outline.models),
            versions: Vec::with_capacity(outline.versions.len()),
        };
        Ok(Self {
            outline,
            read,
            next: 0,
        })
    }

    /// Every record the file holds.
    pub fn records(&self) -> usize {
        self.outline.runs.len() + self.outline.datasets.len() + self.outline.versions.len()
    }

    /// Reads the next record into its type; `false` once every record has been read.
    pub fn read_next(&mut self) -> Result<bool, WorkspaceError> {
        let (runs, datasets) = (self.outline.runs.len(), self.outline.datasets.len());
        let at = self.next;
        if at >= self.records() {
            return Ok(false);
        }
        let damaged = |what: &str, number: usize, error: serde_json::Error| {
            WorkspaceError::Damaged(format!("{what} {} of the file: {error}", number + 1))
        };
        if at < runs {
            let run = serde_json::from_str(self.outline.runs[at].get())
                .map_err(|error| damaged("run", at, error))?;
            self.read.runs.push(run);
        } else if at < runs + datasets {
            let index = at - runs;
            let dataset = serde_json::from_str(self.outline.datasets[index].get())
                .map_err(|error| damaged("dataset", index, error))?;
            self.read.datasets.push(dataset);
        } else {
            let index = at - runs - datasets;
            let version = serde_json::from_str(self.outline.versions[index].get())
                .map_err(|error| damaged("model version", index, error))?;
            self.read.versions.push(version);
        }
        self.next += 1;
        Ok(true)
    }

    /// The whole workspace, once every record is read, after the checks every import passes.
    pub fn finish(mut self) -> Result<Workspace, WorkspaceError> {
        while self.read_next()? {}
        self.read.check()?;
        Ok(self.read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::SyntheticSpec;
    use crate::registry::fixtures::version;
    use crate::registry::store::VersionBundle;
    use crate::tracking::{RunBundle, RunRecord, StoredDataset};
    use crate::workspace::WORKSPACE_FORMAT;

    fn workspace() -> Workspace {
        let data = SyntheticSpec::default().generate().unwrap();
        let run = |id: &str| RunBundle {
            run: RunRecord::new(id.into(), id.into(), Default::default(), &data, 1.0),
            history: Vec::new(),
            evaluation: None,
            model: None,
        };
        let mut packaged = version("iris", 1);
        packaged.package_sha256 = crate::package::sha256_hex(b"the package");
        Workspace {
            format: WORKSPACE_FORMAT.into(),
            app_version: "0.1.0".into(),
            exported_ms: 2.0,
            runs: vec![run("a"), run("b"), run("c")],
            datasets: vec![StoredDataset::new(data.clone(), 1.0)],
            models: vec![RegisteredModel::new("iris", 1.0).unwrap()],
            versions: vec![VersionBundle {
                version: packaged,
                package: b"the package".to_vec(),
            }],
        }
    }

    #[test]
    fn a_file_read_record_by_record_is_the_file_read_at_once() {
        let text = workspace().to_json();
        let mut reader = WorkspaceReader::start(text.as_bytes()).unwrap();
        assert_eq!(reader.records(), 5);
        let mut steps = 0;
        while reader.read_next().unwrap() {
            steps += 1;
        }
        assert_eq!(steps, 5);
        assert_eq!(
            reader.finish().unwrap(),
            Workspace::from_json(text.as_bytes()).unwrap()
        );
    }

    #[test]
    fn refusals_are_the_same_words_and_a_damaged_record_is_named() {
        for refused in [
            &b"\x89PNG"[..],
            b"{\"runs\": []}",
            b"{\"format\": \"kindling-workspace/9\"}",
        ] {
            assert_eq!(
                WorkspaceReader::start(refused).err(),
                Workspace::from_json(refused).err()
            );
        }
        let mut tampered = workspace();
        tampered.datasets[0].dataset.features[0] += 1.0;
        let text = tampered.to_json();
        assert_eq!(
            WorkspaceReader::start(text.as_bytes())
                .unwrap()
                .finish()
                .err(),
            Workspace::from_json(text.as_bytes()).err()
        );
        let text = workspace()
            .to_json()
            .replacen("\"spec\":", "\"specification\":", 2);
        let error = WorkspaceReader::start(text.as_bytes())
            .unwrap()
            .finish()
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("the workspace file is damaged: run 1 of the file: missing field"),
            "{error}"
        );
    }
}
