//! Guided lessons: a lesson is a markdown file a teacher can write, load and share, and the
//! bundled lessons (`lessons/` at the repository's root) are the same kind of file. Each step
//! says what to do and why, may name the page and the control it is about, and has one check
//! that the app decides from its own state (`check`), so a lesson moves on when the learner has
//! done the thing, not when they click Next. `docs/lessons.md` documents the format; `markup`
//! reads its prose, `check` its checks, `progress` what a learner has done.
//!
//! ```text
//! ---
//! format: kindling-lesson/1
//! id: first-run
//! title: Your first tracked run
//! summary: Train a model and find it again with everything that made it.
//! ---
//! Prose before the first step introduces the lesson.
//!
//! ## Step: Train on the iris flowers
//! page: /
//! highlight: #field-dataset
//! check: run dataset = 'Iris flowers'
//!
//! Prose: what to do, and why it matters.
//! ```

pub mod check;
pub mod glossary;
pub mod markup;
pub mod progress;

use thiserror::Error;

use check::Check;
use markup::Block;

pub const LESSON_FORMAT: &str = "kindling-lesson/1";

/// The largest lesson file read: a long hand-written lesson is a few kilobytes.
pub const MAX_LESSON_BYTES: usize = 64 * 1024;

/// A lesson, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// Lowercase letters, digits and dashes: the key its progress is kept under.
    pub id: String,
    pub title: String,
    pub summary: String,
    pub intro: Vec<Block>,
    pub steps: Vec<Step>,
}

/// One thing to do, with what tells the app it is done.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub title: String,
    /// The page the step happens on, offered as a link.
    pub page: Option<String>,
    /// A CSS selector for the control the step is about, outlined on the page.
    pub highlight: Option<String>,
    pub check: Check,
    pub body: Vec<Block>,
}

/// What is wrong with a lesson file, and on which line (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {message}")]
pub struct LessonError {
    pub line: usize,
    pub message: String,
}

fn fail<T>(line: usize, message: impl Into<String>) -> Result<T, LessonError> {
    Err(LessonError {
        line,
        message: message.into(),
    })
}

/// The settings a step may start with.
const STEP_KEYS: [&str; 3] = ["page", "highlight", "check"];

impl Lesson {
    /// Reads a lesson file; every mistake names its line and what would be right.
    pub fn parse(text: &str) -> Result<Lesson, LessonError> {
        if text.len() > MAX_LESSON_BYTES {
            return fail(
                1,
                format!(
                    "the file is {} KB; a lesson may be at most {} KB",
                    text.len() / 1024,
                    MAX_LESSON_BYTES / 1024
                ),
            );
        }
        let lines: Vec<&str> = text.lines().collect();
        let (header, body_start) = front_matter(&lines)?;
        let mut sections = Vec::new();
        let mut start = body_start;
        for (index, line) in lines.iter().enumerate().skip(body_start) {
            if line.starts_with("## ") {
                sections.push((start, index));
                start = index;
            } else if line.starts_with('#') && line.trim_start_matches('#').starts_with(' ') {
                return fail(
                    index + 1,
                    "only steps have headings here: write \"## Step: what to do\"",
                );
            }
        }
        sections.push((start, lines.len()));
        let (intro_start, intro_end) = sections[0];
        let intro = markup::blocks(&lines[intro_start..intro_end]);
        let steps = sections[1..]
            .iter()
            .map(|&(first, end)| step(&lines, first, end))
            .collect::<Result<Vec<_>, _>>()?;
        if steps.is_empty() {
            return fail(
                lines.len().max(1),
                "the lesson has no steps: add one with \"## Step: what to do\" and its check",
            );
        }
        Ok(Lesson {
            id: header.id,
            title: header.title,
            summary: header.summary,
            intro,
            steps,
        })
    }
}

struct Header {
    id: String,
    title: String,
    summary: String,
}

/// The `---` block: format, id, title and summary. Returns it and the index of the first line
/// after it.
fn front_matter(lines: &[&str]) -> Result<(Header, usize), LessonError> {
    if lines.first().map(|line| line.trim()) != Some("---") {
        return fail(
            1,
            format!("a lesson starts with a line \"---\", then \"format: {LESSON_FORMAT}\""),
        );
    }
    let (mut format, mut id, mut title, mut summary) = (None, None, None, String::new());
    for (index, line) in lines.iter().enumerate().skip(1) {
        let number = index + 1;
        let line = line.trim();
        if line == "---" {
            let Some(format) = format else {
                return fail(
                    number,
                    format!("the header has no \"format: {LESSON_FORMAT}\""),
                );
            };
            if format != LESSON_FORMAT {
                return fail(
                    2,
                    format!(
                        "\"{format}\" is not a format this Kindling reads: use {LESSON_FORMAT}"
                    ),
                );
            }
            let id = id.ok_or_else(|| LessonError {
                line: number,
                message: "the header has no \"id:\" (lowercase letters, digits and dashes)"
                    .to_owned(),
            })?;
            let title = title.ok_or_else(|| LessonError {
                line: number,
                message: "the header has no \"title:\"".to_owned(),
            })?;
            return Ok((Header { id, title, summary }, index + 1));
        }
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return fail(number, format!("\"{line}\" is not \"key: value\""));
        };
        let value = value.trim().to_owned();
        match key.trim() {
            "format" => format = Some(value),
            "id" if is_lesson_id(&value) => id = Some(value),
            "id" => {
                return fail(
                    number,
                    format!("\"{value}\" is not an id: use lowercase letters, digits and dashes"),
                );
            }
            "title" if !value.is_empty() => title = Some(value),
            "title" => return fail(number, "the title is empty"),
            "summary" => summary = value,
            other => {
                return fail(
                    number,
                    format!("\"{other}\" is not a header key: use format, id, title or summary"),
                );
            }
        }
    }
    fail(
        lines.len(),
        "the header is never closed: end it with a line \"---\"",
    )
}

fn is_lesson_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

/// One `## Step:` section, lines `first..end`.
fn step(lines: &[&str], first: usize, end: usize) -> Result<Step, LessonError> {
    let heading = lines[first];
    let Some(title) = heading.strip_prefix("## Step:").map(str::trim) else {
        return fail(
            first + 1,
            format!("\"{heading}\" is not a step: write \"## Step: what to do\""),
        );
    };
    if title.is_empty() {
        return fail(first + 1, "the step has no title after \"## Step:\"");
    }
    let (mut page, mut highlight, mut check) = (None, None, None);
    let mut prose_start = end;
    for (index, line) in lines.iter().enumerate().take(end).skip(first + 1) {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() && page.is_none() && highlight.is_none() && check.is_none() {
            continue;
        }
        let setting = trimmed
            .split_once(':')
            .filter(|(key, _)| !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase()));
        let Some((key, value)) = setting else {
            prose_start = index;
            break;
        };
        let value = value.trim();
        let slot_taken = match key {
            "page" if !value.starts_with('/') => {
                return fail(
                    number,
                    format!("\"{value}\" is not a page: write a path such as /runs"),
                );
            }
            "page" => page.replace(value.to_owned()).is_some(),
            "highlight" if value.is_empty() => {
                return fail(
                    number,
                    "\"highlight\" needs a CSS selector, such as #field-dataset",
                );
            }
            "highlight" => highlight.replace(value.to_owned()).is_some(),
            "check" => {
                let read = Check::parse(value).map_err(|message| LessonError {
                    line: number,
                    message,
                })?;
                check.replace(read).is_some()
            }
            other => {
                return fail(
                    number,
                    format!(
                        "\"{other}\" is not a step setting: use {} (or start the prose with a capital)",
                        STEP_KEYS.join(", ")
                    ),
                );
            }
        };
        if slot_taken {
            return fail(number, format!("the step sets \"{key}\" twice"));
        }
    }
    let Some(check) = check else {
        return fail(
            first + 1,
            format!("the step \"{title}\" has no \"check:\" line saying what shows it is done"),
        );
    };
    Ok(Step {
        title: title.to_owned(),
        page,
        highlight,
        check,
        body: markup::blocks(&lines[prose_start.min(end)..end]),
    })
}

#[cfg(test)]
mod tests;
