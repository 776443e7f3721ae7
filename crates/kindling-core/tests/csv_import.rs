//! The CSV importer against a corpus of malformed files (each with the exact message a person
//! sees) and against the shapes real exports come in.

use std::fs;
use std::path::Path;

use kindling_core::data::FeatureKind;
use kindling_core::data::bundled::BundledDataset;
use kindling_core::data::csv::{
    ColumnKind, CsvError, ImportOptions, MAX_FILE_BYTES, MissingPolicy, read_table,
};
use kindling_core::data::{Target, Task};

fn import(
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<kindling_core::data::csv::Import, CsvError> {
    read_table(bytes)?.to_dataset("test", options)
}

#[test]
fn every_malformed_file_in_the_corpus_gets_its_own_message() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv");
    let mut cases: Vec<_> = fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "the corpus has {} cases", cases.len());
    let mut messages = Vec::new();
    for case in cases {
        let bytes = fs::read(case.join("input.csv")).unwrap();
        let expected = fs::read_to_string(case.join("error.txt")).unwrap();
        let options: ImportOptions = fs::read_to_string(case.join("options.json"))
            .map(|json| serde_json::from_str(&json).unwrap())
            .unwrap_or_default();
        let error = match import(&bytes, &options) {
            Ok(import) => panic!("{} was imported: {:?}", case.display(), import.dataset.name),
            Err(error) => error.to_string(),
        };
        assert_eq!(error, expected.trim_end(), "{}", case.display());
        messages.push(error);
    }
    messages.sort();
    messages.dedup();
    // Only the two empty files, and the two files unreadable from line 1, share a message.
    assert!(messages.len() >= 19);
}

#[test]
fn a_file_over_the_limit_is_refused_before_it_is_read() {
    let bytes = vec![b'a'; MAX_FILE_BYTES + 1];
    assert_eq!(
        read_table(&bytes).unwrap_err().to_string(),
        "the file is 52,428,801 bytes; files up to 50 MiB (52,428,800 bytes) can be imported"
    );
}

#[test]
fn semicolons_decimal_commas_bom_crlf_and_quotes_are_read() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(b"\"width; cm\";name;label\r\n");
    for i in 0..12 {
        let name = if i == 3 {
            "\"says \"\"hi\"\";\nbye\"".to_owned()
        } else {
            format!("n{i}")
        };
        bytes.extend_from_slice(format!("{i},5;{name};{}\r\n", ["a", "b"][i % 2]).as_bytes());
    }
    let table = read_table(&bytes).unwrap();
    assert_eq!(table.delimiter, ';');
    assert_eq!(table.header, ["width; cm", "name", "label"]);
    assert_eq!(table.columns[0][2], "2.5");
    assert_eq!(table.columns[1][3], "says \"hi\";\nbye");
    // The quoted line break moves the following rows one line down.
    assert_eq!(table.row_lines[..5], [2, 3, 4, 5, 7]);
}

#[test]
fn tabs_are_sniffed_and_blank_header_cells_named_by_position() {
    let mut text = "\tx\tclass\n".to_owned();
    for i in 0..12 {
        text.push_str(&format!("{}\t{}\t{}\n", i * 7 % 5, i, i % 3));
    }
    let table = read_table(text.as_bytes()).unwrap();
    assert_eq!(table.delimiter, '\t');
    assert_eq!(table.header, ["column 1", "x", "class"]);
}

#[test]
fn columns_are_profiled_by_what_they_hold() {
    let mut text = "row,height,colour,plant,notes,label\n".to_owned();
    for i in 0..30 {
        let colour = ["red", "green", "blue"][i % 3];
        let height = if i == 4 {
            "NA".to_owned()
        } else {
            format!("{}.5", i % 7)
        };
        text.push_str(&format!("{},{height},{colour},fern,,{}\n", i + 1, i % 2));
    }
    let table = read_table(text.as_bytes()).unwrap();
    let kinds: Vec<_> = table
        .profile()
        .iter()
        .map(|p| (p.kind, p.missing))
        .collect();
    assert_eq!(
        kinds,
        [
            (ColumnKind::Identifier, 0),
            (ColumnKind::Numeric, 1),
            (ColumnKind::Categorical, 0),
            (ColumnKind::Constant, 0),
            (ColumnKind::Empty, 30),
            (ColumnKind::Numeric, 0),
        ]
    );

    let dropped = table
        .to_dataset("plants", &ImportOptions::default())
        .unwrap();
    assert_eq!(dropped.dropped_rows, 1);
    assert_eq!(dropped.dataset.row_count(), 29);
    assert_eq!(dropped.dataset.feature_names, ["height", "colour"]);
    assert_eq!(
        dropped.dataset.kind(1),
        &FeatureKind::Categorical {
            categories: vec!["blue".into(), "green".into(), "red".into()]
        },
        "categories are kept as the file has them, not encoded"
    );
    assert_eq!(
        dropped.ignored_columns,
        [
            ("row".to_owned(), ColumnKind::Identifier),
            ("plant".to_owned(), ColumnKind::Constant),
            ("notes".to_owned(), ColumnKind::Empty),
        ]
    );
    // Row 0: height 0.5, red (the third category).
    assert_eq!(dropped.dataset.row(0), [0.5, 2.0]);

    let imputed = table
        .to_dataset(
            "plants",
            &ImportOptions {
                missing: MissingPolicy::Impute,
                ..ImportOptions::default()
            },
        )
        .unwrap();
    assert_eq!(imputed.dropped_rows, 0);
    assert!(
        imputed.dataset.row(4)[0].is_nan(),
        "a kept gap is left for the model to fill from its training rows"
    );
}

#[test]
fn the_task_follows_the_target_and_can_be_overridden() {
    let mut text = "a,b,grade,score,kind\n".to_owned();
    for i in 0..20 {
        text.push_str(&format!(
            "{i},{},{},{}.25,{}\n",
            i % 4,
            i % 3 + 1,
            i * 3,
            ["x", "y"][i % 2]
        ));
    }
    let table = read_table(text.as_bytes()).unwrap();
    assert_eq!(table.suggested_task("grade").unwrap(), Task::Classification);
    assert_eq!(table.suggested_task("score").unwrap(), Task::Regression);
    assert_eq!(table.suggested_task("kind").unwrap(), Task::Classification);

    let as_classes = table
        .to_dataset(
            "t",
            &ImportOptions {
                target: Some("grade".into()),
                ..ImportOptions::default()
            },
        )
        .unwrap();
    let Target::Classes { class_names, .. } = &as_classes.dataset.target else {
        panic!("grade is a class")
    };
    assert_eq!(class_names, &["1", "2", "3"]);
    assert!(
        !as_classes
            .dataset
            .feature_names
            .contains(&"grade".to_owned())
    );

    let as_number = table
        .to_dataset(
            "t",
            &ImportOptions {
                target: Some("grade".into()),
                task: Some(Task::Regression),
                ..ImportOptions::default()
            },
        )
        .unwrap();
    assert_eq!(as_number.task, Task::Regression);
    let Target::Values { values, .. } = &as_number.dataset.target else {
        panic!("grade is a number now")
    };
    assert_eq!(values[..4], [1.0, 2.0, 3.0, 1.0]);
}

#[test]
fn the_bundled_datasets_read_as_documented() {
    let expected = [
        (BundledDataset::Iris, 150, 4, 3),
        (BundledDataset::Wine, 178, 13, 3),
        (BundledDataset::BreastCancer, 569, 30, 2),
        (BundledDataset::Digits, 1797, 64, 10),
        (BundledDataset::Diabetes, 442, 10, 0),
    ];
    for (bundled, rows, features, classes) in expected {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../assets/datasets")
            .join(bundled.file_name());
        let data = bundled.parse(&fs::read(path).unwrap()).unwrap();
        assert_eq!(
            (data.row_count(), data.feature_count(), data.class_count()),
            (rows, features, classes),
            "{bundled:?}"
        );
        assert_eq!(data.task(), bundled.task());
        assert!(bundled.credit().contains("CC BY 4.0"));
    }
    let digits = BundledDataset::Digits;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/datasets/digits.csv");
    let data = digits.parse(&fs::read(path).unwrap()).unwrap();
    assert_eq!(data.image_shape, digits.image_shape());
    let Target::Classes { class_names, .. } = &data.target else {
        panic!()
    };
    assert_eq!(class_names[9], "9");
}

#[test]
fn rows_to_score_may_be_one_row_or_one_column() {
    use kindling_core::data::csv::read_rows_to_score;
    let table = read_rows_to_score(b"a,b\n1,2\n").unwrap();
    assert_eq!(table.header, ["a", "b"]);
    assert_eq!(table.row_count(), 1);
    let single = read_rows_to_score(b"x\n1.5\n2\n").unwrap();
    assert_eq!(single.header, ["x"]);
    assert_eq!(single.row_count(), 2);
    assert!(matches!(
        read_rows_to_score(b"x,y\n"),
        Err(CsvError::TooFewRows { found: 0 })
    ));
    assert!(matches!(
        read_table(b"a,b\n1,2\n"),
        Err(CsvError::TooFewRows { found: 1 })
    ));
}
