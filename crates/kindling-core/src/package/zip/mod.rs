//! The package's container. Kindling writes ZIPs itself (stored, fixed timestamps, fixed header
//! fields) so that the same model always gives the same bytes, and with them the same hash.
//!
//! The reader treats every uploaded file as hostile: the sizes the central directory declares
//! are held against [`Limits`] before a byte is inflated (the zip-bomb defence), names that could
//! escape a folder when unpacked are refused, and no input can make it panic.

use std::cmp::Ordering;
use std::collections::HashSet;

use miniz_oxide::inflate::{TINFLStatus, decompress_to_vec_with_limit};
use thiserror::Error;

/// What an upload may claim, so a crafted file cannot exhaust a browser tab's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_archive_bytes: usize,
    pub max_entries: usize,
    pub max_entry_bytes: usize,
    pub max_total_bytes: usize,
}

/// A package holds a handful of small files; anything well past that is a mistake or an attack.
pub const PACKAGE_LIMITS: Limits = Limits {
    max_archive_bytes: 64 << 20,
    max_entries: 16,
    max_entry_bytes: 32 << 20,
    max_total_bytes: 64 << 20,
};

/// Why an uploaded package could not be opened, in words for the person who uploaded it.
/// Sizes are in bytes; the first of each pair is what the file has, the second the limit.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ZipError {
    #[error("the package is {}; the limit is {}", measured(*.0 as u64), limit(*.1))]
    TooLarge(usize, usize),
    #[error("the package is not a zip file (no end-of-directory record): it may be truncated")]
    NotZip,
    #[error("the package is damaged or truncated: {0}")]
    Damaged(String),
    #[error("the package is split across several files; upload it as one single zip file")]
    MultiDisk,
    #[error("the package is a ZIP64 archive, which Kindling cannot read; re-zip it as a plain zip")]
    Zip64,
    #[error("the package holds {0} entries; the limit is {1}")]
    TooManyEntries(usize, usize),
    #[error("the package holds an entry named {0:?}, which is not allowed: {1}")]
    BadName(String, &'static str),
    #[error("the package holds two entries named '{0}'")]
    Duplicate(String),
    #[error("entry '{}' is {} unpacked; the limit for one file is {}", .0, measured(*.1), limit(*.2))]
    EntryTooLarge(String, u64, usize),
    #[error("the package's files add up to {} unpacked; the limit is {}", measured(*.0), limit(*.1))]
    TotalTooLarge(u64, usize),
    #[error("entry '{0}' is encrypted; Kindling cannot read password-protected packages")]
    Encrypted(String),
    #[error(
        "entry '{0}' uses compression method {1}, which Kindling cannot read; \
         re-zip it with standard deflate or none"
    )]
    Method(String, u16),
    #[error("entry '{0}' is not valid compressed data: the file is damaged")]
    Corrupt(String),
    #[error("entry '{0}' unpacks to more than the {1} bytes it declares: the file is damaged")]
    InflatesPastSize(String, u64),
    #[error("entry '{0}' declares {1} bytes but holds {2}: the file is damaged")]
    SizeMismatch(String, u64, u64),
    #[error("entry '{0}' fails its checksum: the file is damaged")]
    Checksum(String),
}

const MB: u64 = 1 << 20;

/// A measured size keeps one decimal, so "70.0 MB" does not read as a rounded limit.
fn measured(n: u64) -> String {
    match n {
        n if n < MB => format!("{n} bytes"),
        n => format!("{:.1} MB", n as f64 / MB as f64),
    }
}

/// Limits are round numbers and read best that way: "64 MB".
fn limit(n: usize) -> String {
    match n as u64 {
        n if n >= MB && n % MB == 0 => format!("{} MB", n / MB),
        n => measured(n),
    }
}

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
/// The optional record after an entry's data when its sizes were not known up front.
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
/// Bit 3: the entry's data is followed by a data descriptor.
const FLAG_DESCRIPTOR: u16 = 1 << 3;
const LOCAL_LEN: usize = 30;
const CENTRAL_LEN: usize = 46;
const EOCD_LEN: usize = 22;
/// The record may be followed by a comment of up to 65,535 bytes, so it lies in this tail.
const EOCD_SEARCH: usize = EOCD_LEN + 0xFFFF;
/// "Version 2.0": the lowest that covers deflate, so every unzip tool accepts what we write.
const VERSION: u16 = 20;
/// Bit 11: names are UTF-8, so non-ASCII names survive other tools.
const FLAG_UTF8: u16 = 1 << 11;
/// 1980-01-01, the DOS epoch: a real clock would make two exports of one model differ.
const DOS_DATE: u16 = 0x21;

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = (c >> 1) ^ (0xEDB8_8320 & (c & 1).wrapping_neg());
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE), written here rather than pulled in: ten lines against a dependency.
fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, &b| {
        CRC_TABLE[usize::from(c as u8 ^ b)] ^ (c >> 8)
    })
}

fn put16(out: &mut Vec<u8>, values: &[u16]) {
    values.iter().for_each(|v| out.extend(v.to_le_bytes()));
}

fn put32(out: &mut Vec<u8>, values: &[u32]) {
    values.iter().for_each(|v| out.extend(v.to_le_bytes()));
}

/// The archive for `entries`, in their order, stored uncompressed: the weights barely compress,
/// and stored entries keep the output a pure function of the input. Packages are far below the
/// 4 GB and 65,535-entry limits of plain ZIP, so sizes are not checked here.
pub fn write(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, data) in entries {
        let (offset, crc, size) = (out.len() as u32, crc32(data), data.len() as u32);
        let name_len = name.len() as u16;
        put32(&mut out, &[LOCAL_SIG]);
        put16(&mut out, &[VERSION, FLAG_UTF8, 0, 0, DOS_DATE]);
        put32(&mut out, &[crc, size, size]);
        put16(&mut out, &[name_len, 0]);
        out.extend(name.as_bytes());
        out.extend(*data);

        put32(&mut central, &[CENTRAL_SIG]);
        put16(&mut central, &[VERSION, VERSION, FLAG_UTF8, 0, 0, DOS_DATE]);
        put32(&mut central, &[crc, size, size]);
        // Name, extra and comment lengths, start disk, internal attributes.
        put16(&mut central, &[name_len, 0, 0, 0, 0]);
        put32(&mut central, &[0, offset]);
        central.extend(name.as_bytes());
    }
    let (cd_offset, cd_size) = (out.len() as u32, central.len() as u32);
    let count = entries.len() as u16;
    out.extend(central);
    put32(&mut out, &[EOCD_SIG]);
    put16(&mut out, &[0, 0, count, count]);
    put32(&mut out, &[cd_size, cd_offset]);
    put16(&mut out, &[0]);
    out
}

/// Little-endian fields read with `get`, so a short record reads as zeros instead of panicking;
/// every record is bounds-checked as a whole before its fields are read.
fn u16_at(b: &[u8], at: usize) -> u16 {
    let chunk = b.get(at..).and_then(|s| s.first_chunk());
    chunk.map_or(0, |c| u16::from_le_bytes(*c))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let chunk = b.get(at..).and_then(|s| s.first_chunk());
    chunk.map_or(0, |c| u32::from_le_bytes(*c))
}

fn span(b: &[u8], start: usize, len: usize) -> Option<&[u8]> {
    b.get(start..start.checked_add(len)?)
}

fn damaged(what: impl Into<String>) -> ZipError {
    ZipError::Damaged(what.into())
}

/// The files of an uploaded archive, in central-directory order, folders left out.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Vec<(String, Vec<u8>)>, ZipError> {
    if bytes.len() > limits.max_archive_bytes {
        return Err(ZipError::TooLarge(bytes.len(), limits.max_archive_bytes));
    }
    let last = bytes.len().checked_sub(EOCD_LEN).ok_or(ZipError::NotZip)?;
    let first = bytes.len().saturating_sub(EOCD_SEARCH);
    let fits = |p: usize| {
        let end = p.checked_add(EOCD_LEN + usize::from(u16_at(bytes, p + 20)));
        u32_at(bytes, p) == EOCD_SIG && end.is_some_and(|end| end <= bytes.len())
    };
    let eocd = (first..=last).rev().find(|&p| fits(p));
    let eocd = eocd.ok_or(ZipError::NotZip)?;
    if eocd + EOCD_LEN + usize::from(u16_at(bytes, eocd + 20)) != bytes.len() {
        return Err(damaged("bytes follow its end record"));
    }
    let record = bytes.get(eocd..).unwrap_or_default();
    let [disk, cd_disk, on_disk, count] = [4, 6, 8, 10].map(|at| u16_at(record, at));
    let (cd_size, cd_offset) = (u32_at(record, 12), u32_at(record, 16));
    let locator = eocd.checked_sub(20).map(|at| u32_at(bytes, at));
    let sentinel = count == u16::MAX || cd_size == u32::MAX || cd_offset == u32::MAX;
    if locator == Some(ZIP64_LOCATOR_SIG) || sentinel {
        return Err(ZipError::Zip64);
    }
    if disk != 0 || cd_disk != 0 || on_disk != count {
        return Err(ZipError::MultiDisk);
    }
    let count = usize::from(count);
    if count > limits.max_entries {
        return Err(ZipError::TooManyEntries(count, limits.max_entries));
    }
    let (cd_offset, cd_size) = (cd_offset as usize, cd_size as usize);
    let directory = span(bytes, cd_offset, cd_size)
        .filter(|_| cd_offset + cd_size <= eocd)
        .ok_or_else(|| damaged("its directory lies outside the file"))?;
    if cd_offset + cd_size != eocd {
        return Err(damaged(format!(
            "{} bytes between its directory and its end record belong to nothing",
            eocd - (cd_offset + cd_size)
        )));
    }

    // Everything is declared and checked before any entry's data is touched.
    let (mut files, mut seen, mut total, mut pos) = (Vec::new(), HashSet::new(), 0u64, 0usize);
    let mut records = Vec::with_capacity(count);
    for _ in 0..count {
        let rec = span(directory, pos, CENTRAL_LEN)
            .filter(|r| u32_at(r, 0) == CENTRAL_SIG)
            .ok_or_else(|| damaged("its directory is cut short or corrupt"))?;
        let [name_len, extra, comment] = [28, 30, 32].map(|at| usize::from(u16_at(rec, at)));
        let raw_name = span(directory, pos + CENTRAL_LEN, name_len)
            .ok_or_else(|| damaged("its directory is cut short"))?;
        pos = pos.saturating_add(CENTRAL_LEN + name_len + extra + comment);
        let [compressed, size, offset] = [20, 24, 42].map(|at| u32_at(rec, at));
        if [compressed, size, offset].contains(&u32::MAX) {
            return Err(ZipError::Zip64);
        }
        if u16_at(rec, 34) != 0 {
            return Err(ZipError::MultiDisk);
        }
        let name = check_name(raw_name)?;
        records.push((name.clone(), rec));
        if name.ends_with('/') {
            if size == 0 {
                continue;
            }
            return Err(ZipError::BadName(
                name,
                "it ends in '/' like a folder but holds data",
            ));
        }
        let (flags, method) = (u16_at(rec, 8), u16_at(rec, 10));
        if flags & 1 != 0 {
            return Err(ZipError::Encrypted(name));
        }
        if method != 0 && method != 8 {
            return Err(ZipError::Method(name, method));
        }
        if size as usize > limits.max_entry_bytes {
            return Err(ZipError::EntryTooLarge(
                name,
                size.into(),
                limits.max_entry_bytes,
            ));
        }
        total += u64::from(size);
        if total > limits.max_total_bytes as u64 {
            return Err(ZipError::TotalTooLarge(total, limits.max_total_bytes));
        }
        if !seen.insert(name.clone()) {
            return Err(ZipError::Duplicate(name));
        }
        files.push((name, rec));
    }
    if pos != cd_size {
        return Err(damaged(format!(
            "its directory holds more than the {count} entries its end record declares"
        )));
    }
    account(bytes, &records, cd_offset)?;
    files.into_iter().map(|file| extract(bytes, file)).collect()
}

/// Checks that the entries (local header, name, extra field, data and any data descriptor)
/// tile the file from its first byte to its directory: no gap where a hidden entry or a second
/// directory could sit, no two entries sharing bytes. Other tools read what the directory does
/// not list, so what Kindling checks must be all there is.
fn account(bytes: &[u8], records: &[(String, &[u8])], directory_at: usize) -> Result<(), ZipError> {
    let mut extents = Vec::with_capacity(records.len());
    for (name, rec) in records {
        let offset = u32_at(rec, 42) as usize;
        let local = span(bytes, offset, LOCAL_LEN)
            .filter(|l| u32_at(l, 0) == LOCAL_SIG)
            .ok_or_else(|| damaged(format!("entry '{name}' is not where its directory says")))?;
        let lengths = [
            LOCAL_LEN,
            usize::from(u16_at(local, 26)),
            usize::from(u16_at(local, 28)),
        ];
        let data_end = lengths
            .into_iter()
            .chain([u32_at(rec, 20) as usize])
            .try_fold(offset, usize::checked_add)
            .ok_or_else(|| damaged(format!("entry '{name}' runs past the end of the file")))?;
        let end = if u16_at(rec, 8) & FLAG_DESCRIPTOR != 0 {
            let signed = u32_at(bytes, data_end) == DESCRIPTOR_SIG;
            data_end.saturating_add(if signed { 16 } else { 12 })
        } else {
            data_end
        };
        extents.push((offset, end, name.as_str()));
    }
    extents.sort_by_key(|&(start, _, _)| start);
    let mut covered = 0;
    for (start, end, name) in extents {
        match start.cmp(&covered) {
            Ordering::Less => {
                return Err(damaged(format!(
                    "entry '{name}' overlaps the entry before it"
                )));
            }
            Ordering::Greater => {
                return Err(damaged(format!(
                    "{} bytes before entry '{name}' belong to no entry",
                    start - covered
                )));
            }
            Ordering::Equal => covered = end,
        }
    }
    match covered.cmp(&directory_at) {
        Ordering::Equal => Ok(()),
        Ordering::Less => Err(damaged(format!(
            "{} bytes between its last entry and its directory belong to no entry",
            directory_at - covered
        ))),
        Ordering::Greater => Err(damaged("its last entry runs into its directory")),
    }
}

/// One entry's bytes, found through its local header and checked against its directory
/// record `rec`, whose sizes have already passed the limits.
fn extract(bytes: &[u8], (name, rec): (String, &[u8])) -> Result<(String, Vec<u8>), ZipError> {
    let [compressed, size, offset] = [20, 24, 42].map(|at| u32_at(rec, at) as usize);
    let local = span(bytes, offset, LOCAL_LEN)
        .filter(|l| u32_at(l, 0) == LOCAL_SIG)
        .ok_or_else(|| damaged(format!("entry '{name}' is not where its directory says")))?;
    let [name_len, extra] = [26, 28].map(|at| usize::from(u16_at(local, at)));
    if span(bytes, offset + LOCAL_LEN, name_len) != Some(name.as_bytes()) {
        return Err(damaged(format!("entry '{name}' has two different names")));
    }
    let data = (offset + LOCAL_LEN + name_len)
        .checked_add(extra)
        .and_then(|start| span(bytes, start, compressed))
        .ok_or_else(|| damaged(format!("entry '{name}' runs past the end of the file")))?;
    let content = if u16_at(rec, 10) == 0 {
        data.to_vec()
    } else {
        // Capped at the declared size: a bomb stops there instead of filling memory.
        match decompress_to_vec_with_limit(data, size) {
            Ok(content) => content,
            Err(e) if e.status == TINFLStatus::HasMoreOutput => {
                return Err(ZipError::InflatesPastSize(name, size as u64));
            }
            Err(_) => return Err(ZipError::Corrupt(name)),
        }
    };
    if content.len() != size {
        return Err(ZipError::SizeMismatch(
            name,
            size as u64,
            content.len() as u64,
        ));
    }
    if crc32(&content) != u32_at(rec, 16) {
        return Err(ZipError::Checksum(name));
    }
    Ok((name, content))
}

/// Entry names become paths when a package is unpacked, so anything that could land outside
/// the target folder, or mean different things on different systems, is refused.
fn check_name(raw: &[u8]) -> Result<String, ZipError> {
    let Ok(name) = std::str::from_utf8(raw) else {
        let lossy = String::from_utf8_lossy(raw).into_owned();
        return Err(ZipError::BadName(lossy, "it is not valid UTF-8"));
    };
    let path = name.strip_suffix('/').unwrap_or(name);
    let drive = matches!(raw, [letter, b':', ..] if letter.is_ascii_alphabetic());
    let reason = if name.starts_with(['/', '\\']) || drive {
        "it is an absolute path"
    } else if path.is_empty() {
        "it is empty"
    } else if name.chars().any(char::is_control) {
        "it contains a control character"
    } else if name.contains('\\') {
        "it contains a backslash; zip paths use '/'"
    } else if path.split('/').any(|s| s == "..") {
        "it climbs out of the package with '..'"
    } else if path.split('/').any(|s| s.is_empty() || s == ".") {
        "it has an empty or '.' folder in its path"
    } else {
        return Ok(name.to_owned());
    };
    Err(ZipError::BadName(name.to_owned(), reason))
}

#[cfg(test)]
mod tests;
