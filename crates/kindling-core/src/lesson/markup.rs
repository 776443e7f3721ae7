//! The little markdown a lesson's prose is written in: paragraphs, bullet lists, `**bold**`,
//! `` `code` `` and `[links](/runs)`. It is read into blocks the UI draws as elements, never as
//! HTML, so a lesson file from anyone cannot put script or markup on the page.

/// A run of text and how it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Strong(String),
    Code(String),
    /// A link inside the app (a path starting with `/`) or to a glossary entry (`#term`).
    Link {
        text: String,
        target: String,
    },
}

/// A paragraph or a bullet list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Inline>),
    List(Vec<Vec<Inline>>),
}

/// Reads prose lines (already stripped of the file's structure) into blocks. A blank line ends
/// a paragraph; lines starting `- ` are list items.
pub fn blocks(lines: &[&str]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut items: Vec<Vec<Inline>> = Vec::new();
    let flush_paragraph = |paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            blocks.push(Block::Paragraph(inlines(&paragraph.join(" "))));
            paragraph.clear();
        }
    };
    for line in lines {
        let line = line.trim();
        if let Some(item) = line.strip_prefix("- ") {
            flush_paragraph(&mut paragraph, &mut blocks);
            items.push(inlines(item.trim()));
            continue;
        }
        if !items.is_empty() {
            blocks.push(Block::List(std::mem::take(&mut items)));
        }
        if line.is_empty() {
            flush_paragraph(&mut paragraph, &mut blocks);
        } else {
            paragraph.push(line);
        }
    }
    if !items.is_empty() {
        blocks.push(Block::List(items));
    }
    flush_paragraph(&mut paragraph, &mut blocks);
    blocks
}

/// Reads one line of text into its runs. An opening mark without its closing one is text.
pub fn inlines(text: &str) -> Vec<Inline> {
    let mut runs = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(first) = rest.chars().next() {
        let marked = match first {
            '`' => rest[1..]
                .split_once('`')
                .map(|(code, after)| (Inline::Code(code.to_owned()), after)),
            '*' if rest.starts_with("**") => rest[2..]
                .split_once("**")
                .map(|(strong, after)| (Inline::Strong(strong.to_owned()), after)),
            '[' => link(rest),
            _ => None,
        };
        match marked {
            Some((run, after)) => {
                if !plain.is_empty() {
                    runs.push(Inline::Text(std::mem::take(&mut plain)));
                }
                runs.push(run);
                rest = after;
            }
            None => {
                plain.push(first);
                rest = &rest[first.len_utf8()..];
            }
        }
    }
    if !plain.is_empty() {
        runs.push(Inline::Text(plain));
    }
    runs
}

/// `[text](target)` at the start of `text`, with what follows it.
fn link(text: &str) -> Option<(Inline, &str)> {
    let (label, after) = text[1..].split_once("](")?;
    let (target, after) = after.split_once(')')?;
    let inside_app = target.starts_with('/') || target.starts_with('#');
    inside_app.then(|| {
        (
            Inline::Link {
                text: label.to_owned(),
                target: target.to_owned(),
            },
            after,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_reads_into_paragraphs_lists_and_marked_runs() {
        let read = blocks(&[
            "Train on **iris** with `epochs = 30`,",
            "then open [Runs](/runs).",
            "",
            "- one [epoch](#epoch)",
            "- two",
            "After.",
        ]);
        assert_eq!(
            read,
            vec![
                Block::Paragraph(vec![
                    Inline::Text("Train on ".into()),
                    Inline::Strong("iris".into()),
                    Inline::Text(" with ".into()),
                    Inline::Code("epochs = 30".into()),
                    Inline::Text(", then open ".into()),
                    Inline::Link {
                        text: "Runs".into(),
                        target: "/runs".into()
                    },
                    Inline::Text(".".into()),
                ]),
                Block::List(vec![
                    vec![
                        Inline::Text("one ".into()),
                        Inline::Link {
                            text: "epoch".into(),
                            target: "#epoch".into()
                        }
                    ],
                    vec![Inline::Text("two".into())],
                ]),
                Block::Paragraph(vec![Inline::Text("After.".into())]),
            ]
        );
    }

    #[test]
    fn unclosed_marks_and_outside_links_stay_text() {
        assert_eq!(
            inlines("a `b and **c [d](https://example.com) é"),
            vec![Inline::Text(
                "a `b and **c [d](https://example.com) é".into()
            )]
        );
    }
}
