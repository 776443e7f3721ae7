//! Closed lists of options a person picks from (an optimiser, a generator, a backend), each
//! written as one short key everywhere it appears: form values, run params, the Runs filter,
//! pipeline files. One table per list, so the form, the params and the queries cannot
//! disagree, and an unknown key is an error that names it rather than a silent default.

use thiserror::Error;

/// A key that names no option of its list.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("\"{key}\" is not a known {what}: choose one of {choices}")]
pub struct UnknownChoice {
    pub what: &'static str,
    pub key: String,
    /// The keys that are, comma-separated.
    pub choices: String,
}

/// An option of a closed list, with its key.
pub trait Choice: Copy + PartialEq + Sized + 'static {
    /// What one option is, for messages ("optimizer").
    const WHAT: &'static str;
    /// Every option and its key, in the order lists show them.
    const KEYS: &'static [(Self, &'static str)];

    fn key(self) -> &'static str {
        Self::KEYS
            .iter()
            .find(|(choice, _)| *choice == self)
            .map(|(_, key)| *key)
            .expect("every option is in its key table")
    }

    /// The option whose key is `key` (exactly as written: keys are lowercase).
    fn from_key(key: &str) -> Result<Self, UnknownChoice> {
        Self::KEYS
            .iter()
            .find(|(_, known)| *known == key)
            .map(|(choice, _)| *choice)
            .ok_or_else(|| UnknownChoice {
                what: Self::WHAT,
                key: key.to_owned(),
                choices: Self::KEYS
                    .iter()
                    .map(|(_, key)| *key)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Every option, in list order.
    fn all() -> impl Iterator<Item = Self> {
        Self::KEYS.iter().map(|(choice, _)| *choice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Fruit {
        Apple,
        Pear,
    }

    impl Choice for Fruit {
        const WHAT: &'static str = "fruit";
        const KEYS: &'static [(Self, &'static str)] =
            &[(Fruit::Apple, "apple"), (Fruit::Pear, "pear")];
    }

    #[test]
    fn keys_round_trip_and_an_unknown_one_is_named() {
        for fruit in Fruit::all() {
            assert_eq!(Fruit::from_key(fruit.key()), Ok(fruit));
        }
        let error = Fruit::from_key("plum").unwrap_err();
        assert_eq!(
            error.to_string(),
            "\"plum\" is not a known fruit: choose one of apple, pear"
        );
        assert!(Fruit::from_key("Apple").is_err(), "keys are exact");
    }
}
