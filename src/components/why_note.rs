//! A page's short "why this matters" note, for people learning MLOps. One Hide hides them on
//! every page (kept with the lesson progress); the Lessons page shows them again.

use leptos::prelude::*;

use crate::state::lessons::Lessons;

#[component]
pub fn WhyNote(children: ChildrenFn) -> impl IntoView {
    let lessons = expect_context::<Lessons>();
    // A memo: progress changes at every lesson step, the notes only on Hide and Show.
    let shown = Memo::new(move |_| lessons.progress.with(|progress| !progress.notes_hidden));
    move || {
        shown.get().then(|| {
            view! {
                <aside class="why-note" aria-label="Why this matters">
                    <p><strong>"Why this matters: "</strong>{children()}</p>
                    <button type="button" class="link why-hide" on:click=move |_| lessons.set_notes_hidden(true)>
                        "Hide these notes"
                    </button>
                </aside>
            }
        })
    }
}
