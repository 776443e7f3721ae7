//! How much of the browser's storage the workbench uses, in words, and when to warn: runs,
//! datasets and packages live in IndexedDB, which the browser caps per site.

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
