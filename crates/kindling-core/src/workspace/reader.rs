//! A workspace file read one record at a time, so the page can give the main thread back
//! between records: reading a 10,000-run file (65 MB) into its types in one go was a single
//! long task of half a second. The file is first outlined (the top-level fields, and where each
//! run, dataset and version lies in the text), then each record is read into its type by
//! [`WorkspaceReader::read_next`]. The result and the refusals are [`Workspace::from_json`]'s,
//! which reads straight into the types where nothing waits on it (the command line, tests).
//!
//! In the browser the worker makes the [`WorkspaceOutline`] (one pass over the whole text, then
//! every record read and the file checked: the work that cannot be sliced), and the page reads
//! the records from its own copy of the bytes, a slice of the main thread at a time.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::file::{HandIn, MAX_WORKSPACE_BYTES, READABLE_FORMATS, Workspace, WorkspaceError};
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
    #[serde(default)]
    hand_in: Option<HandIn>,
}

/// Where each record of a workspace file lies (byte ranges into the file), with the top-level
/// fields read: what the worker hands the page, which then reads only the records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceOutline {
    pub format: String,
    pub app_version: String,
    pub exported_ms: f64,
    pub models: Vec<RegisteredModel>,
    pub runs: Vec<(usize, usize)>,
    pub datasets: Vec<(usize, usize)>,
    pub versions: Vec<(usize, usize)>,
    pub hand_in: Option<HandIn>,
    /// The length of the file outlined, so an outline is never applied to other bytes.
    pub file_bytes: usize,
}

impl WorkspaceOutline {
    /// Reads and checks the whole file, as an import would, and says where its records lie.
    pub fn of(bytes: &[u8]) -> Result<Self, WorkspaceError> {
        let reader = WorkspaceReader::start(bytes)?;
        let range = |text: &&str| {
            let start = text.as_ptr() as usize - bytes.as_ptr() as usize;
            (start, start + text.len())
        };
        let outline = Self {
            format: reader.read.format.clone(),
            app_version: reader.read.app_version.clone(),
            exported_ms: reader.read.exported_ms,
            models: reader.read.models.clone(),
            runs: reader.runs.iter().map(range).collect(),
            datasets: reader.datasets.iter().map(range).collect(),
            versions: reader.versions.iter().map(range).collect(),
            hand_in: reader.read.hand_in.clone(),
            file_bytes: bytes.len(),
        };
        reader.finish()?;
        Ok(outline)
    }
}

/// The top-level fields of a workspace file: everything but its records.
struct Header {
    format: String,
    app_version: String,
    exported_ms: f64,
    models: Vec<RegisteredModel>,
    hand_in: Option<HandIn>,
}

impl Header {
    /// A workspace with these fields, its records still to be read.
    fn workspace(self) -> Workspace {
        Workspace {
            format: self.format,
            app_version: self.app_version,
            exported_ms: self.exported_ms,
            runs: Vec::new(),
            datasets: Vec::new(),
            models: self.models,
            versions: Vec::new(),
            hand_in: self.hand_in,
        }
    }
}

pub struct WorkspaceReader<'a> {
    runs: Vec<&'a str>,
    datasets: Vec<&'a str>,
    versions: Vec<&'a str>,
    read: Workspace,
    /// How many records (runs, then datasets, then versions) have been read.
    next: usize,
    /// Set when the worker has checked the file already.
    checked: bool,
}

impl<'a> WorkspaceReader<'a> {
    /// Reads the outline; a file that is not a workspace this version reads is refused here.
    pub fn start(bytes: &'a [u8]) -> Result<Self, WorkspaceError> {
        if bytes.len() > MAX_WORKSPACE_BYTES {
            return Err(WorkspaceError::TooLarge(bytes.len()));
        }
        let outline: Outline =
            serde_json::from_slice(bytes).map_err(|error| Workspace::refusal(bytes, &error))?;
        if !READABLE_FORMATS.contains(&outline.format.as_str()) {
            return Err(WorkspaceError::UnknownFormat {
                found: outline.format,
            });
        }
        let texts = |raw: Vec<&'a RawValue>| raw.into_iter().map(RawValue::get).collect();
        Ok(Self::new(
            Header {
                format: outline.format,
                app_version: outline.app_version,
                exported_ms: outline.exported_ms,
                models: outline.models,
                hand_in: outline.hand_in,
            }
            .workspace(),
            [
                texts(outline.runs),
                texts(outline.datasets),
                texts(outline.versions),
            ],
            false,
        ))
    }

    /// Reads a file the worker has outlined and checked: no pass over the whole text here.
    pub fn outlined(bytes: &'a [u8], outline: WorkspaceOutline) -> Result<Self, WorkspaceError> {
        if outline.file_bytes != bytes.len() {
            return Err(WorkspaceError::Damaged(
                "the file changed while it was read; choose it again".into(),
            ));
        }
        let texts = |ranges: &[(usize, usize)]| {
            ranges
                .iter()
                .map(|&(start, end)| {
                    bytes
                        .get(start..end)
                        .and_then(|text| std::str::from_utf8(text).ok())
                        .ok_or_else(|| {
                            WorkspaceError::Damaged("a record lies outside the file".into())
                        })
                })
                .collect::<Result<Vec<&str>, _>>()
        };
        let records = [
            texts(&outline.runs)?,
            texts(&outline.datasets)?,
            texts(&outline.versions)?,
        ];
        Ok(Self::new(
            Header {
                format: outline.format,
                app_version: outline.app_version,
                exported_ms: outline.exported_ms,
                models: outline.models,
                hand_in: outline.hand_in,
            }
            .workspace(),
            records,
            true,
        ))
    }

    fn new(
        mut read: Workspace,
        [runs, datasets, versions]: [Vec<&'a str>; 3],
        checked: bool,
    ) -> Self {
        read.runs.reserve(runs.len());
        read.datasets.reserve(datasets.len());
        read.versions.reserve(versions.len());
        Self {
            runs,
            datasets,
            versions,
            read,
            next: 0,
            checked,
        }
    }

    /// Every record the file holds.
    pub fn records(&self) -> usize {
        self.runs.len() + self.datasets.len() + self.versions.len()
    }

    /// Reads the next record into its type; `false` once every record has been read.
    pub fn read_next(&mut self) -> Result<bool, WorkspaceError> {
        let (runs, datasets) = (self.runs.len(), self.datasets.len());
        let at = self.next;
        if at >= self.records() {
            return Ok(false);
        }
        let damaged = |what: &str, number: usize, error: serde_json::Error| {
            WorkspaceError::Damaged(format!("{what} {} of the file: {error}", number + 1))
        };
        if at < runs {
            let run =
                serde_json::from_str(self.runs[at]).map_err(|error| damaged("run", at, error))?;
            self.read.runs.push(run);
        } else if at < runs + datasets {
            let index = at - runs;
            let dataset = serde_json::from_str(self.datasets[index])
                .map_err(|error| damaged("dataset", index, error))?;
            self.read.datasets.push(dataset);
        } else {
            let index = at - runs - datasets;
            let version = serde_json::from_str(self.versions[index])
                .map_err(|error| damaged("model version", index, error))?;
            self.read.versions.push(version);
        }
        self.next += 1;
        Ok(true)
    }

    /// The whole workspace, once every record is read, after the checks every import passes
    /// (made here unless the worker made them on this file already).
    pub fn finish(mut self) -> Result<Workspace, WorkspaceError> {
        while self.read_next()? {}
        if !self.checked {
            self.read.check()?;
        }
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
            hand_in: None,
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
    fn an_outlined_file_reads_the_same_and_an_outline_fits_only_its_file() {
        let text = workspace().to_json();
        let outline = WorkspaceOutline::of(text.as_bytes()).unwrap();
        assert_eq!(outline.runs.len(), 3);
        let outline =
            serde_json::from_str::<WorkspaceOutline>(&serde_json::to_string(&outline).unwrap())
                .unwrap();
        assert_eq!(
            WorkspaceReader::outlined(text.as_bytes(), outline.clone())
                .unwrap()
                .finish()
                .unwrap(),
            Workspace::from_json(text.as_bytes()).unwrap()
        );
        let longer = format!("{text} ");
        assert!(WorkspaceReader::outlined(longer.as_bytes(), outline.clone()).is_err());
        let mut outside = outline;
        outside.runs[0] = (0, text.len() + 10);
        assert!(WorkspaceReader::outlined(text.as_bytes(), outside).is_err());
        let mut tampered = workspace();
        tampered.datasets[0].dataset.features[0] += 1.0;
        assert!(WorkspaceOutline::of(tampered.to_json().as_bytes()).is_err());
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
