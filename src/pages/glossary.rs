//! The Glossary page: every term of `kindling_core::lesson::glossary`, each its own anchor, so
//! lessons and pages link straight to the word.

use kindling_core::lesson::glossary::GLOSSARY;
use leptos::prelude::*;

#[component]
pub fn GlossaryPage() -> impl IntoView {
    view! {
        <section class="page glossary">
            <h1>"Glossary"</h1>
            <dl class="glossary-list">
                {GLOSSARY
                    .iter()
                    .map(|term| view! {
                        <dt id=term.key>{term.term}</dt>
                        <dd>{term.meaning}</dd>
                    })
                    .collect_view()}
            </dl>
        </section>
    }
}
