//! The document title of each address, so a tab, a bookmark and a screen reader's "page
//! loaded" name the page and what it shows: "Runs · Kindling", "iris v2 · Models · Kindling".
//! The shell sets it whenever the address changes (`app::DocumentTitle`).

const APP: &str = "Kindling";

/// The title for `path` (the address's path, not percent-decoded yet).
pub fn page_title(path: &str) -> String {
    let segments: Vec<String> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(decode)
        .collect();
    let parts: Vec<String> = match segments.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => vec!["Train".into()],
        ["data"] => vec!["Data".into()],
        ["runs"] => vec!["Runs".into()],
        ["runs", id] => vec![format!("Run {id}"), "Runs".into()],
        ["compare"] => vec!["Compare".into()],
        ["models"] => vec!["Models".into()],
        ["models", name] => vec![name.to_owned(), "Models".into()],
        ["models", name, version] => vec![format!("{name} v{version}"), "Models".into()],
        ["predict"] => vec!["Predict".into()],
        ["pipelines"] => vec!["Pipelines".into()],
        ["deployments"] => vec!["Deploy".into()],
        ["settings"] => vec!["Settings".into()],
        ["about"] => vec!["About".into()],
        ["lessons"] => vec!["Lessons".into()],
        ["glossary"] => vec!["Glossary".into()],
        ["hand-ins"] => vec!["Hand-ins".into()],
        _ => vec!["No such page".into()],
    };
    parts
        .into_iter()
        .chain(std::iter::once(APP.to_owned()))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// `%xx` escapes as the bytes they stand for; anything malformed is left as written.
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| segment.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).unwrap_or_else(|_| segment.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_has_its_name_first_and_the_app_last() {
        assert_eq!(page_title("/"), "Train · Kindling");
        assert_eq!(page_title("/runs"), "Runs · Kindling");
        assert_eq!(page_title("/runs/r-17/"), "Run r-17 · Runs · Kindling");
        assert_eq!(page_title("/models/iris"), "iris · Models · Kindling");
        assert_eq!(
            page_title("/models/my%20model/2"),
            "my model v2 · Models · Kindling"
        );
        assert_eq!(page_title("/settings"), "Settings · Kindling");
        assert_eq!(page_title("/lessons"), "Lessons · Kindling");
        assert_eq!(page_title("/glossary"), "Glossary · Kindling");
        assert_eq!(page_title("/hand-ins"), "Hand-ins · Kindling");
        assert_eq!(page_title("/nowhere/at/all/x"), "No such page · Kindling");
    }

    #[test]
    fn a_malformed_escape_is_shown_as_written() {
        assert_eq!(page_title("/models/100%"), "100% · Models · Kindling");
        assert_eq!(page_title("/models/%ff%fe"), "%ff%fe · Models · Kindling");
    }
}
