//! What every store shares (the errors a person reads, the boxed future of a store seen as a
//! trait object), and how much of the browser's storage the workbench uses, in words, and
//! when to warn: runs, datasets and packages live in IndexedDB, which the browser caps per site.

use std::future::Future;
use std::pin::Pin;

use thiserror::Error;

/// Why the store could not do what was asked, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StoreError {
    #[error(
        "the browser's storage for this site is full: delete some runs, or export the workspace \
         and clear old runs, then try again"
    )]
    QuotaExceeded,
    #[error(
        "another Kindling tab is using an older version of the saved data: close the other \
         tabs and reload this one"
    )]
    Blocked,
    #[error("the saved data was written by a newer version of Kindling: reload this tab to use it")]
    NewerVersion,
    #[error(
        "another Kindling tab updated how runs are saved, so this tab can no longer save: \
         reload it"
    )]
    Closed,
    #[error("the saved runs are still loading; try again in a moment")]
    NotReady,
    #[error("this browser does not allow this page to save data (private mode?): {0}")]
    Unavailable(String),
    #[error("a run with id {0} is already stored; nothing was written")]
    DuplicateRun(String),
    #[error("{model} already has a version {version}; nothing was written")]
    DuplicateVersion { model: String, version: u32 },
    #[error("a model called {0} is already registered; nothing was written")]
    DuplicateModel(String),
    #[error("another write stored this record first; nothing was written")]
    KeyTaken,
    /// A change the stored record refuses (an alias moved to a version archived meanwhile,
    /// say), in the rule's own words; nothing was written.
    #[error("{0}; nothing was changed")]
    Refused(String),
    #[error("there is no model called {0}")]
    NoSuchModel(String),
    #[error("there is no run with id {0}")]
    NoSuchRun(String),
    #[error("the saved data could not be read ({0}); it was left as it is")]
    Corrupt(String),
    #[error("the browser's storage failed: {0}")]
    Other(String),
    /// The store's own code was not there to run: the UI fetches it after the first render,
    /// so a network that fails first leaves the tab without one. The text says what to do.
    #[error("{0}")]
    CodeNotLoaded(String),
}

/// What a store used as a trait object returns; not `Send`, like everything in the tab.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + 'a>>;

/// The share of the quota at which the page starts warning, leaving room to export and delete
/// before a write fails.
pub const WARN_AT_FRACTION: f64 = 0.8;

/// The browser's estimate (`navigator.storage.estimate()`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageUse {
    pub usage_bytes: f64,
    pub quota_bytes: f64,
    /// Whether the browser promised not to clear the data when space runs low.
    pub persisted: bool,
}

impl StorageUse {
    pub fn fraction_used(&self) -> f64 {
        if self.quota_bytes > 0.0 {
            (self.usage_bytes / self.quota_bytes).clamp(0.0, 1.0)
        } else {
            1.0
        }
    }

    pub fn is_nearly_full(&self) -> bool {
        self.fraction_used() >= WARN_AT_FRACTION
    }

    /// "3.2 MB of 1.1 GB used", for the footer.
    pub fn summary(&self) -> String {
        format!(
            "{} of {} used",
            format_bytes(self.usage_bytes),
            format_bytes(self.quota_bytes)
        )
    }

    /// The warning shown once the store is nearly full, with what to do about it.
    pub fn warning(&self) -> Option<String> {
        self.is_nearly_full().then(|| {
            format!(
                "Storage is {:.0}% full ({}). Export your workspace from the Runs page, then \
                 delete runs or models you no longer need, before saving fails.",
                self.fraction_used() * 100.0,
                self.summary()
            )
        })
    }
}

/// Bytes in decimal units, as browsers and disks count them: "950 B", "3.2 MB", "1.1 GB".
pub fn format_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if !bytes.is_finite() || bytes < 1000.0 {
        return format!("{} B", bytes.max(0.0).round());
    }
    let mut value = bytes;
    let mut unit = "B";
    for next in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = next;
    }
    if value < 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn used(usage_bytes: f64, quota_bytes: f64) -> StorageUse {
        StorageUse {
            usage_bytes,
            quota_bytes,
            persisted: false,
        }
    }

    #[test]
    fn bytes_read_as_people_count_them() {
        assert_eq!(format_bytes(0.0), "0 B");
        assert_eq!(format_bytes(999.0), "999 B");
        assert_eq!(format_bytes(1_000.0), "1.0 kB");
        assert_eq!(format_bytes(3_240_000.0), "3.2 MB");
        assert_eq!(format_bytes(52_000_000.0), "52 MB");
        assert_eq!(format_bytes(1.1e9), "1.1 GB");
        assert_eq!(format_bytes(f64::NAN), "0 B");
    }

    #[test]
    fn the_warning_starts_at_four_fifths_and_says_what_to_do() {
        assert_eq!(used(799.0, 1_000.0).warning(), None);
        let warning = used(850_000_000.0, 1e9).warning().unwrap();
        assert!(
            warning.starts_with("Storage is 85% full (850 MB of 1.0 GB used)"),
            "{warning}"
        );
        assert!(warning.contains("Export your workspace"));
        assert!(used(5.0, 0.0).is_nearly_full(), "no quota at all is full");
        assert_eq!(used(2e9, 1e9).fraction_used(), 1.0);
    }
}
