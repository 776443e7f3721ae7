//! The rest of the bad-input corpus, generated rather than stored because the files are large
//! or their point is one byte: each is read correctly or refused with its own message, and
//! nothing panics.

use kindling_core::data::csv::{ColumnKind, CsvError, Import, ImportOptions, read_table};
use kindling_core::data::{Target, Task};

fn import(bytes: &[u8]) -> Result<Import, CsvError> {
    read_table(bytes)?.to_dataset("test", &ImportOptions::default())
}

fn refusal(bytes: &[u8]) -> String {
    match import(bytes) {
        Ok(import) => panic!("imported {} rows", import.dataset.row_count()),
        Err(error) => error.to_string(),
    }
}

/// `rows` rows of two numeric features and a two-class label, after `header`.
fn table(header: &str, rows: usize, row: impl Fn(usize) -> String) -> Vec<u8> {
    let mut text = format!("{header}\n");
    for i in 0..rows {
        text.push_str(&row(i));
        text.push('\n');
    }
    text.into_bytes()
}

#[test]
fn a_header_with_no_rows_is_refused_for_having_none() {
    assert_eq!(
        refusal(b"width,height,label\n"),
        "there are only 0 data rows; at least 10 are needed to train and test"
    );
}

#[test]
fn a_latin1_export_is_refused_as_not_utf8_on_its_line() {
    let mut bytes = table("name,width,label", 12, |i| format!("n{i},{i},{}", i % 2));
    // "café" in Latin-1 on data line 3 (file line 4).
    let at = bytes
        .windows(3)
        .position(|w| w == b"n2,")
        .expect("row 2 is there");
    bytes.splice(at..at + 2, b"caf\xe9".iter().copied());
    assert_eq!(
        refusal(&bytes),
        "this is not a text file (line 4 holds bytes that are not UTF-8 text): export it as CSV (UTF-8) and try again"
    );
}

#[test]
fn nan_spellings_are_missing_values_and_infinity_is_refused_where_it_is() {
    let with_nans = table("width,height,label", 20, |i| {
        let width = match i {
            3 => "NaN".to_owned(),
            7 => "nan".to_owned(),
            11 => "NA".to_owned(),
            _ => i.to_string(),
        };
        format!("{width},{},{}", i * 2, i % 2)
    });
    let imported = import(&with_nans).unwrap();
    assert_eq!(
        imported.dropped_rows, 3,
        "rows with a missing width are left out"
    );
    assert_eq!(imported.dataset.row_count(), 17);
    assert!(
        imported
            .dataset
            .features
            .iter()
            .all(|value| value.is_finite())
    );

    for infinity in ["inf", "-inf", "Infinity"] {
        let bytes = table("width,height,label", 20, |i| {
            let width = if i == 5 {
                infinity.to_owned()
            } else {
                i.to_string()
            };
            format!("{width},{},{}", i * 2, i % 2)
        });
        assert_eq!(
            refusal(&bytes),
            format!(
                "column 1 (\"width\") is numeric except on line 7, which holds \"{infinity}\": fix that value or leave it empty"
            )
        );
    }
}

#[test]
fn a_number_beyond_single_precision_is_refused_where_it_is() {
    // 1e39 is finite as f64 but infinite once cast to f32: it would reach a model as inf.
    for (cell, column) in [("1e39", "width"), ("-3.5e38", "width")] {
        let bytes = table("width,height,label", 20, |i| {
            let width = if i == 5 {
                cell.to_owned()
            } else {
                i.to_string()
            };
            format!("{width},{},{}", i * 2, i % 2)
        });
        assert_eq!(
            refusal(&bytes),
            format!(
                "line 7, column \"{column}\": {cell} is beyond the largest number a model can hold (about 3.4e38): scale the column down or remove the value"
            )
        );
    }
    let largest = table("width,height,label", 20, |i| {
        format!("{},{},{}", if i == 5 { "3.4e38" } else { "1" }, i, i % 2)
    });
    assert!(
        import(&largest).is_ok(),
        "the largest f32 range is still read"
    );
}

#[test]
fn an_all_missing_column_is_left_out_of_the_features() {
    let bytes = table("width,notes,height,label", 20, |i| {
        format!("{},,{},{}", i % 5, i * 3 % 7, i % 2)
    });
    let imported = import(&bytes).unwrap();
    assert_eq!(imported.dataset.feature_names, ["width", "height"]);
    assert_eq!(imported.dropped_rows, 0);
    assert!(
        imported
            .ignored_columns
            .iter()
            .any(|(name, kind)| name == "notes" && *kind == ColumnKind::Empty),
        "{:?}",
        imported.ignored_columns
    );
}

#[test]
fn a_megabyte_field_and_a_megabyte_header_are_read_without_trouble() {
    let long_text = "x".repeat(1 << 20);
    let bytes = table("width,comment,label", 12, |i| {
        let comment = if i == 4 { long_text.as_str() } else { "short" };
        format!("{i},{comment},{}", i % 2)
    });
    let read = read_table(&bytes).unwrap();
    assert_eq!(read.columns[1][4].len(), 1 << 20);
    assert_eq!(import(&bytes).unwrap().dataset.row_count(), 12);

    let long_name = "h".repeat(1 << 20);
    let bytes = table(&format!("{long_name},other,label"), 12, |i| {
        format!("{i},{},{}", i * 5 % 3, i % 2)
    });
    let imported = import(&bytes).unwrap();
    let names: Vec<usize> = imported
        .dataset
        .feature_names
        .iter()
        .map(String::len)
        .collect();
    assert_eq!(names, [1 << 20, 5]);
}

#[test]
fn two_hundred_thousand_rows_import_whole() {
    let bytes = table("a,b,c,label", 200_000, |i| {
        format!(
            "{},{},{},{}",
            i % 97,
            (i * 7) % 31,
            (i % 17) as f64 / 4.0,
            ["x", "y", "z"][i % 3]
        )
    });
    let imported = import(&bytes).unwrap();
    assert_eq!(imported.dataset.row_count(), 200_000);
    assert_eq!(imported.dataset.features.len(), 600_000);
    assert_eq!(imported.task, Task::Classification);
    match &imported.dataset.target {
        Target::Classes { class_names, .. } => assert_eq!(class_names, &["x", "y", "z"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_bom_and_a_quoted_line_break_are_data_not_damage() {
    let mut bytes = b"\xEF\xBB\xBFwidth,comment,label\n".to_vec();
    for i in 0..12 {
        let comment = if i == 2 {
            "\"first line\nsecond line\""
        } else {
            "plain"
        };
        bytes.extend_from_slice(format!("{i},{comment},{}\n", i % 2).as_bytes());
    }
    let read = read_table(&bytes).unwrap();
    assert_eq!(
        read.header[0], "width",
        "the byte-order mark is not part of the name"
    );
    assert_eq!(read.columns[1][2], "first line\nsecond line");
    assert_eq!(read.row_count(), 12);
}

#[test]
fn a_line_of_millions_of_commas_is_refused_by_counting_not_by_splitting() {
    // 5 million commas: split into strings it would take hundreds of megabytes; counted, a scan.
    let wide_header = ",".repeat(5_000_000) + "\n1\n";
    assert_eq!(
        refusal(wide_header.as_bytes()),
        "the file has 5000001 columns; at most 2000 can be imported"
    );
    let mut wide_row = table("width,height,label", 12, |i| format!("{i},{i},{}", i % 2));
    wide_row.extend_from_slice(",".repeat(3_000_000).as_bytes());
    wide_row.push(b'\n');
    let message = refusal(&wide_row);
    assert!(message.contains("line 14"), "{message}");
    assert!(message.contains("3000001"), "{message}");
}
