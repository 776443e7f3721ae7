//! How ids are shown to people.
//!
//! Runs, pipeline runs and deployments are named `<kind>-<ms>-<random>[-<n>]`, so ids stay
//! unique when workspaces from other browsers are merged. Their first 12 characters are the
//! kind and the start of the time, the same for runs started in the same 100 seconds (and for
//! every pipeline run of a year), so a short form keeps the random part (and a trial's number)
//! instead. Content hashes have no such shape and are shortened to their first 12 characters,
//! as `git` shortens commits.

/// The part of `id` that tells it from its neighbours, for logs and labels; the whole id stays
/// in records and links.
pub fn short_id(id: &str) -> &str {
    let mut parts = id.splitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(kind), Some(time), Some(rest))
            if !kind.is_empty()
                && time.len() >= 10
                && time.bytes().all(|byte| byte.is_ascii_digit())
                && !rest.is_empty() =>
        {
            rest
        }
        _ => match id.char_indices().nth(12) {
            Some((end, _)) => &id[..end],
            None => id,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::short_id;

    #[test]
    fn runs_started_together_are_told_apart() {
        let first = short_id("run-1796544000123-0a1b2c3d");
        let second = short_id("run-1796544000456-9f8e7d6c");
        assert_eq!(first, "0a1b2c3d");
        assert_ne!(first, second);
        assert_eq!(short_id("run-1796544000123-0a1b2c3d-3"), "0a1b2c3d-3");
        assert_eq!(short_id("pipeline-1796544000123-00ff00ff"), "00ff00ff");
    }

    #[test]
    fn hashes_and_other_ids_keep_their_first_characters() {
        let hash = "3f786850e387550fdab836ed7e6dc881de23001b";
        assert_eq!(short_id(hash), "3f786850e387");
        assert_eq!(short_id("run-001"), "run-001");
        assert_eq!(short_id("sha256-abc"), "sha256-abc");
        assert_eq!(short_id("ünïcödé-ünïcödé-ünïcödé"), "ünïcödé-ünïc");
        assert_eq!(short_id(""), "");
    }
}
