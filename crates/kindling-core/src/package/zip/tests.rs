//! The zip reader against real archives (Python's) and hand-made hostile ones: every byte of
//! an archive must belong to exactly one entry, its directory or its end record.

use super::*;

/// Python's `zipfile`, deflate: model.json (124 bytes), a folder `dir/`, and an empty
/// `dir/empty.txt`, all dated 1980-01-01.
const PYTHON_ZIP: &[u8] = &[
    0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0x38, 0x60,
    0x55, 0x96, 0x24, 0x00, 0x00, 0x00, 0x7c, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x6d, 0x6f,
    0x64, 0x65, 0x6c, 0x2e, 0x6a, 0x73, 0x6f, 0x6e, 0xab, 0x56, 0xca, 0xce, 0xcc, 0x4b, 0x51, 0xb2,
    0x52, 0xca, 0xcd, 0x29, 0x50, 0xd2, 0x51, 0xca, 0x49, 0xac, 0x4c, 0x2d, 0x2a, 0x56, 0xb2, 0x8a,
    0x36, 0xd1, 0xb1, 0xd0, 0x31, 0x8e, 0xad, 0xad, 0xa6, 0xa5, 0x34, 0x00, 0x50, 0x4b, 0x03, 0x04,
    0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x64, 0x69, 0x72, 0x2f, 0x50, 0x4b,
    0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x64, 0x69, 0x72, 0x2f,
    0x65, 0x6d, 0x70, 0x74, 0x79, 0x2e, 0x74, 0x78, 0x74, 0x03, 0x00, 0x50, 0x4b, 0x01, 0x02, 0x14,
    0x03, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0x38, 0x60, 0x55, 0x96, 0x24,
    0x00, 0x00, 0x00, 0x7c, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x6d, 0x6f, 0x64, 0x65, 0x6c, 0x2e, 0x6a,
    0x73, 0x6f, 0x6e, 0x50, 0x4b, 0x01, 0x02, 0x14, 0x03, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x01, 0x4c, 0x00, 0x00,
    0x00, 0x64, 0x69, 0x72, 0x2f, 0x50, 0x4b, 0x01, 0x02, 0x14, 0x03, 0x14, 0x00, 0x00, 0x00, 0x08,
    0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x01, 0x6e,
    0x00, 0x00, 0x00, 0x64, 0x69, 0x72, 0x2f, 0x65, 0x6d, 0x70, 0x74, 0x79, 0x2e, 0x74, 0x78, 0x74,
    0x50, 0x4b, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x00, 0xa5, 0x00, 0x00, 0x00,
    0x9b, 0x00, 0x00, 0x00, 0x00, 0x00,
];

fn sample() -> Vec<u8> {
    let binary: Vec<u8> = (0..=255u8).rev().collect();
    write(&[
        ("model.json", b"{}"),
        ("empty", b""),
        ("weights.bin", &binary),
    ])
}

fn refusal(zip: &[u8]) -> ZipError {
    read(zip, &PACKAGE_LIMITS).unwrap_err()
}

/// Where the `i`-th central-directory record starts.
fn central_at(zip: &[u8], i: usize) -> usize {
    let sig = CENTRAL_SIG.to_le_bytes();
    zip.windows(4)
        .enumerate()
        .filter(|(_, w)| *w == sig)
        .nth(i)
        .unwrap()
        .0
}

/// Overwrites the uncompressed size the `i`-th directory record declares.
fn set_size(zip: &mut [u8], i: usize, value: u32) {
    let at = central_at(zip, i) + 24;
    zip[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn crc32_matches_the_standard_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b""), 0);
}

#[test]
fn round_trip_keeps_order_empty_files_and_binary_data() {
    let files = read(&sample(), &PACKAGE_LIMITS).unwrap();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["model.json", "empty", "weights.bin"]);
    assert_eq!(files[0].1, b"{}");
    assert!(files[1].1.is_empty());
    assert_eq!(files[2].1, (0..=255u8).rev().collect::<Vec<_>>());
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    assert_eq!(sample(), sample());
    // Time 0 and date 0x21 sit at offsets 10 and 12 of the first local header.
    assert_eq!(&sample()[10..14], &[0, 0, 0x21, 0]);
}

#[test]
fn a_deflate_zip_made_by_python_reads_without_its_folder() {
    let files = read(PYTHON_ZIP, &PACKAGE_LIMITS).unwrap();
    let json = br#"{"kind":"mlp","layers":[4,8,3]}"#.repeat(4);
    assert_eq!(
        files,
        [
            ("model.json".into(), json),
            ("dir/empty.txt".into(), vec![])
        ]
    );
}

#[test]
fn every_truncation_is_an_error() {
    for zip in [sample(), PYTHON_ZIP.to_vec()] {
        for len in 0..zip.len() {
            assert!(read(&zip[..len], &PACKAGE_LIMITS).is_err(), "{len} bytes");
        }
    }
    assert_eq!(refusal(b"hello"), ZipError::NotZip);
}

#[test]
fn a_flipped_data_byte_fails_the_checksum() {
    let mut zip = sample();
    zip[LOCAL_LEN + "model.json".len() + 1] ^= 0x01;
    assert_eq!(refusal(&zip), ZipError::Checksum("model.json".into()));
}

#[test]
fn unsafe_names_are_refused_in_words() {
    let cases = [
        ("../evil", "'..'"),
        ("a/../../evil", "'..'"),
        ("/abs", "absolute"),
        ("\\abs", "absolute"),
        ("C:/windows", "absolute"),
        ("a\\b", "backslash"),
        ("", "empty"),
        ("a\0b", "control"),
        ("a//b", "empty or '.'"),
    ];
    for (name, word) in cases {
        let err = refusal(&write(&[(name, b"x")]));
        assert!(
            matches!(&err, ZipError::BadName(n, _) if n == name),
            "{name:?}"
        );
        assert!(err.to_string().contains(word), "{name:?}: {err}");
    }
    let mut zip = write(&[("ab", b"x")]);
    let at = central_at(&zip, 0) + CENTRAL_LEN;
    zip[at] = 0xFF;
    assert!(refusal(&zip).to_string().contains("not valid UTF-8"));
}

#[test]
fn duplicate_names_are_refused() {
    let zip = write(&[("a", b"1"), ("b", b"2"), ("a", b"3")]);
    assert_eq!(refusal(&zip), ZipError::Duplicate("a".into()));
}

#[test]
fn too_many_entries_are_refused() {
    let zip = write(&[("a", b""), ("b", b""), ("c", b"")]);
    let limits = |max_entries| Limits {
        max_entries,
        ..PACKAGE_LIMITS
    };
    assert!(read(&zip, &limits(3)).is_ok());
    assert_eq!(read(&zip, &limits(2)), Err(ZipError::TooManyEntries(3, 2)));
}

#[test]
fn oversized_declared_entries_are_refused_before_any_data_is_read() {
    let mut zip = sample();
    set_size(&mut zip, 2, 40 << 20);
    zip[0] = 0; // A broken local header: it must never be reached.
    let err = refusal(&zip);
    assert_eq!(
        err,
        ZipError::EntryTooLarge("weights.bin".into(), 40 << 20, 32 << 20)
    );
    let words = "entry 'weights.bin' is 40.0 MB unpacked; the limit for one file is 32 MB";
    assert_eq!(err.to_string(), words);

    let mut zip = sample();
    set_size(&mut zip, 0, 30 << 20);
    set_size(&mut zip, 2, 30 << 20);
    zip[0] = 0;
    let limits = Limits {
        max_total_bytes: 50 << 20,
        ..PACKAGE_LIMITS
    };
    assert_eq!(
        read(&zip, &limits),
        Err(ZipError::TotalTooLarge(60 << 20, 50 << 20))
    );
}

#[test]
fn deflate_output_must_match_the_declared_size() {
    let mut zip = PYTHON_ZIP.to_vec();
    set_size(&mut zip, 0, 100);
    assert_eq!(
        refusal(&zip),
        ZipError::InflatesPastSize("model.json".into(), 100)
    );
    set_size(&mut zip, 0, 200);
    assert_eq!(
        refusal(&zip),
        ZipError::SizeMismatch("model.json".into(), 200, 124)
    );
}

#[test]
fn encryption_other_methods_zip64_and_split_archives_are_refused() {
    let edit = |at: fn(&[u8]) -> usize, value: u16| {
        let mut zip = sample();
        let at = at(&zip);
        zip[at..at + 2].copy_from_slice(&value.to_le_bytes());
        refusal(&zip)
    };
    let encrypted = edit(|z| central_at(z, 0) + 8, 1);
    assert_eq!(encrypted, ZipError::Encrypted("model.json".into()));
    let method = edit(|z| central_at(z, 0) + 10, 12).to_string();
    assert!(method.contains("compression method 12, which Kindling cannot read"));
    assert_eq!(edit(|z| z.len() - EOCD_LEN + 10, 0xFFFF), ZipError::Zip64);
    assert_eq!(edit(|z| z.len() - EOCD_LEN + 4, 1), ZipError::MultiDisk);
}

#[test]
fn an_oversized_archive_is_refused_before_parsing() {
    let limits = Limits {
        max_archive_bytes: 200,
        ..PACKAGE_LIMITS
    };
    assert_eq!(read(&[0; 300], &limits), Err(ZipError::TooLarge(300, 200)));
    let words = ZipError::TooLarge(70 << 20, 64 << 20).to_string();
    assert_eq!(words, "the package is 70.0 MB; the limit is 64 MB");
}

#[test]
fn mutated_archives_never_panic() {
    let bases = [sample(), PYTHON_ZIP.to_vec()];
    for seed in 0..2_000u64 {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as usize
        };
        let mut zip = bases[seed as usize % 2].clone();
        for _ in 0..1 + next() % 4 {
            let at = next() % zip.len();
            zip[at] = next() as u8;
        }
        if seed % 7 == 0 {
            zip.truncate(next() % zip.len());
        }
        let _ = read(&zip, &PACKAGE_LIMITS);
    }
}

/// Where the end record starts.
fn eocd_at(zip: &[u8]) -> usize {
    zip.len() - EOCD_LEN
}

/// Rewrites the end record's two entry counts.
fn set_count(zip: &mut [u8], count: u16) {
    let at = eocd_at(zip);
    zip[at + 8..at + 10].copy_from_slice(&count.to_le_bytes());
    zip[at + 10..at + 12].copy_from_slice(&count.to_le_bytes());
}

fn damage(zip: &[u8]) -> String {
    match refusal(zip) {
        ZipError::Damaged(why) => why,
        other => panic!("refused for another reason: {other}"),
    }
}

#[test]
fn a_directory_record_past_the_declared_count_is_refused() {
    // The review's attack: a third record (a second weights file, say) hidden by a count of 2.
    let mut zip = sample();
    set_count(&mut zip, 2);
    assert_eq!(
        damage(&zip),
        "its directory holds more than the 2 entries its end record declares"
    );
}

#[test]
fn an_entry_the_directory_does_not_list_is_refused() {
    // The third entry's local header and data stay; its directory record is cut out.
    let zip = sample();
    let (third, eocd) = (central_at(&zip, 2), eocd_at(&zip));
    let mut hidden = [&zip[..third], &zip[eocd..]].concat();
    set_count(&mut hidden, 2);
    let at = eocd_at(&hidden);
    let cd_size = u32_at(&hidden, at + 12) - (eocd - third) as u32;
    hidden[at + 12..at + 16].copy_from_slice(&cd_size.to_le_bytes());
    assert!(
        damage(&hidden)
            .ends_with("bytes between its last entry and its directory belong to no entry")
    );
}

#[test]
fn bytes_after_the_end_record_or_before_it_are_refused() {
    let mut trailing = sample();
    trailing.extend(b"../../evil.sh");
    assert_eq!(damage(&trailing), "bytes follow its end record");

    let zip = sample();
    let eocd = eocd_at(&zip);
    let padded = [&zip[..eocd], b"PK\x01\x02 a second directory", &zip[eocd..]].concat();
    assert!(
        damage(&padded)
            .ends_with("bytes between its directory and its end record belong to nothing")
    );
}

#[test]
fn a_gap_between_entries_or_two_entries_sharing_bytes_are_refused() {
    // Junk between the first entry and the second: every later offset moves with it.
    let zip = sample();
    let second = central_offset(&zip, 1);
    let junk = b"hidden";
    let mut gapped = [&zip[..second], junk, &zip[second..]].concat();
    for i in 1..3 {
        let at = central_at(&gapped, i) + 42;
        let moved = u32_at(&gapped, at) + junk.len() as u32;
        gapped[at..at + 4].copy_from_slice(&moved.to_le_bytes());
    }
    let at = eocd_at(&gapped) + 16;
    let cd_offset = u32_at(&gapped, at) + junk.len() as u32;
    gapped[at..at + 4].copy_from_slice(&cd_offset.to_le_bytes());
    assert_eq!(
        damage(&gapped),
        "6 bytes before entry 'empty' belong to no entry"
    );

    // The second record points at the first entry's header: the two would share its bytes.
    let mut shared = sample();
    let at = central_at(&shared, 1) + 42;
    shared[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
    assert_eq!(
        damage(&shared),
        "entry 'empty' overlaps the entry before it"
    );
}

/// The local-header offset the `i`-th directory record declares.
fn central_offset(zip: &[u8], i: usize) -> usize {
    u32_at(zip, central_at(zip, i) + 42) as usize
}
