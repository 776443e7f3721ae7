//! A lesson's prose as elements (core's `lesson::markup` blocks), and the glossary's term links:
//! `[epoch](#epoch)` in a lesson and `<Term key="drift">` on a page both lead to the entry on
//! the Glossary page, with its meaning as the link's tooltip.

use kindling_core::lesson::glossary;
use kindling_core::lesson::markup::{Block, Inline};
use leptos::prelude::*;

#[component]
pub fn LessonText(blocks: Vec<Block>) -> impl IntoView {
    blocks
        .into_iter()
        .map(|block| match block {
            Block::Paragraph(runs) => view! { <p>{inline_views(runs)}</p> }.into_any(),
            Block::List(items) => view! {
                <ul>
                    {items
                        .into_iter()
                        .map(|runs| view! { <li>{inline_views(runs)}</li> })
                        .collect_view()}
                </ul>
            }
            .into_any(),
        })
        .collect_view()
}

fn inline_views(runs: Vec<Inline>) -> impl IntoView {
    runs.into_iter()
        .map(|run| match run {
            Inline::Text(text) => text.into_any(),
            Inline::Strong(text) => view! { <strong>{text}</strong> }.into_any(),
            Inline::Code(text) => view! { <code>{text}</code> }.into_any(),
            Inline::Link { text, target } => match target.strip_prefix('#') {
                Some(key) => term_link(key, text).into_any(),
                None => view! { <a href=target>{text}</a> }.into_any(),
            },
        })
        .collect_view()
}

/// A link to a glossary entry; an unknown key is plain text rather than a dead link.
fn term_link(key: &str, text: String) -> impl IntoView + use<> {
    match glossary::term(key) {
        Some(term) => view! {
            <a class="term" href=format!("/glossary#{}", term.key) title=term.meaning>{text}</a>
        }
        .into_any(),
        None => text.into_any(),
    }
}

/// A word on a page that the glossary explains.
#[component]
pub fn Term(key: &'static str, children: Children) -> impl IntoView {
    let meaning = glossary::term(key).map(|term| term.meaning);
    view! { <a class="term" href=format!("/glossary#{key}") title=meaning>{children()}</a> }
}
