//! Waiting for a store to open. An action begun while the page loads (a file dropped, a run
//! page opened by its address) waits for the store instead of failing with "try again".

use futures_channel::oneshot;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Opening {
    /// Who is waiting; `None` once the store has opened or failed to.
    waiting: StoredValue<Option<Vec<oneshot::Sender<()>>>, LocalStorage>,
}

impl Default for Opening {
    fn default() -> Self {
        Self {
            waiting: StoredValue::new_local(Some(Vec::new())),
        }
    }
}

impl Opening {
    /// Returns once the store has opened or failed to open.
    pub async fn settled(&self) {
        let wait = self
            .waiting
            .try_update_value(|waiting| {
                waiting.as_mut().map(|waiting| {
                    let (settled, wait) = oneshot::channel();
                    waiting.push(settled);
                    wait
                })
            })
            .flatten();
        if let Some(wait) = wait {
            // A dropped sender means the app itself is going away; nothing is left to wait for.
            let _ = wait.await;
        }
    }

    /// Resumes everyone waiting, and lets later callers through at once.
    pub fn settle(&self) {
        let waiting = self
            .waiting
            .try_update_value(Option::take)
            .flatten()
            .unwrap_or_default();
        for settled in waiting {
            let _ = settled.send(());
        }
    }
}
