//! The model card (Mitchell et al., "Model Cards for Model Reporting", 2019): the sections a
//! reader of any model needs. Kindling fills the factual ones from the run and keeps the ones
//! only a person can write as editable text (`card_text` renders the whole card as Markdown).

use serde::{Deserialize, Serialize};

/// The sections a person writes. Empty ones are rendered with a prompt, so a reader sees what
/// is missing rather than nothing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ModelCard {
    pub intended_use: String,
    pub factors: String,
    pub ethical_considerations: String,
    pub caveats: String,
}

/// The card's sections in order: (heading, whether a person writes it).
pub const SECTIONS: [(&str, bool); 9] = [
    ("Model details", false),
    ("Intended use", true),
    ("Factors", true),
    ("Metrics", false),
    ("Evaluation data", false),
    ("Training data", false),
    ("Quantitative analyses", false),
    ("Ethical considerations", true),
    ("Caveats and recommendations", true),
];

impl ModelCard {
    /// The editable section under `heading`, if it is one.
    pub fn section_mut(&mut self, heading: &str) -> Option<&mut String> {
        match heading {
            "Intended use" => Some(&mut self.intended_use),
            "Factors" => Some(&mut self.factors),
            "Ethical considerations" => Some(&mut self.ethical_considerations),
            "Caveats and recommendations" => Some(&mut self.caveats),
            _ => None,
        }
    }

    pub fn section(&self, heading: &str) -> Option<&str> {
        match heading {
            "Intended use" => Some(&self.intended_use),
            "Factors" => Some(&self.factors),
            "Ethical considerations" => Some(&self.ethical_considerations),
            "Caveats and recommendations" => Some(&self.caveats),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_written_sections_are_editable() {
        let mut card = ModelCard::default();
        for (heading, written) in SECTIONS {
            assert_eq!(card.section_mut(heading).is_some(), written, "{heading}");
        }
    }
}
