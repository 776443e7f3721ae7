//! What the Runs table shows, as the address holds it: the experiment, the filter, the sorted
//! column and its direction, and the page
//! (`/runs?experiment=Week%203&filter=…&sort=score&order=asc&page=2`), so a link or a
//! bookmark opens the same view and Back leaves the page as it was. Defaults are left out of the
//! address: the plain `/runs` is every run of every experiment, newest first, page 1.

use kindling_core::choice::Choice;
use kindling_core::percent::encode_query_value;

use super::columns::Column;

/// The Runs table's view, as the page's signals and the address both hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunsView {
    /// The one experiment shown; `None` for all of them.
    pub experiment: Option<String>,
    pub filter: String,
    pub sort: Column,
    pub descending: bool,
    /// Zero-based; the address counts from 1, as the pager shows it.
    pub page: usize,
}

impl Default for RunsView {
    fn default() -> Self {
        RunsView {
            experiment: None,
            filter: String::new(),
            sort: Column::Started,
            descending: true,
            page: 0,
        }
    }
}

impl RunsView {
    /// The view an address asks for, from its decoded query values. A value the page cannot use
    /// (an unknown column, a page that is not a number) falls back to the default for that
    /// part alone: a hand-edited link still opens the table.
    pub fn from_query(value: impl Fn(&str) -> Option<String>) -> RunsView {
        let default = RunsView::default();
        let sort = value("sort")
            .and_then(|key| Column::from_key(&key).ok())
            .unwrap_or(default.sort);
        let descending = match value("order").as_deref() {
            Some("asc") => false,
            Some("desc") => true,
            _ => sort.descending_first(),
        };
        let page = value("page")
            .and_then(|page| page.parse::<usize>().ok())
            .map_or(0, |page| page.saturating_sub(1));
        RunsView {
            experiment: value("experiment").filter(|name| !name.is_empty()),
            filter: value("filter").unwrap_or_default(),
            sort,
            descending,
            page,
        }
    }

    /// The address's query for this view, `?…` or empty for the default view.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(experiment) = &self.experiment {
            parts.push(format!("experiment={}", encode_query_value(experiment)));
        }
        if !self.filter.is_empty() {
            parts.push(format!("filter={}", encode_query_value(&self.filter)));
        }
        if self.sort != Column::Started || !self.descending {
            parts.push(format!("sort={}", self.sort.key()));
        }
        if self.descending != self.sort.descending_first() {
            parts.push(format!(
                "order={}",
                if self.descending { "desc" } else { "asc" }
            ));
        }
        if self.page > 0 {
            parts.push(format!("page={}", self.page + 1));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes a query as the router does, to read back what `to_query` wrote.
    fn parsed(query: &str) -> RunsView {
        let pairs: Vec<(String, String)> = query
            .trim_start_matches('?')
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (key.to_owned(), percent_decode(value))
            })
            .collect();
        RunsView::from_query(|key| {
            pairs
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.clone())
        })
    }

    fn percent_decode(value: &str) -> String {
        let bytes = value.as_bytes();
        let mut out = Vec::new();
        let mut index = 0;
        while index < bytes.len() {
            if bytes[index] == b'%' {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                index += 3;
            } else {
                out.push(bytes[index]);
                index += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_default_view_is_the_plain_address() {
        assert_eq!(RunsView::default().to_query(), "");
        assert_eq!(parsed(""), RunsView::default());
    }

    #[test]
    fn every_part_of_a_view_survives_the_address() {
        let view = RunsView {
            experiment: Some("Week 3 · Ada & Grace".into()),
            filter: "metrics.test_accuracy > 0.9 and tags.\"a&b=#c\" and name = 'é'".into(),
            sort: Column::LearningRate,
            descending: true,
            page: 3,
        };
        let query = view.to_query();
        assert!(!query.contains(' ') && !query.contains('#'), "{query}");
        assert_eq!(parsed(&query), view);
        for column in Column::all() {
            for descending in [false, true] {
                let view = RunsView {
                    sort: column,
                    descending,
                    ..RunsView::default()
                };
                assert_eq!(parsed(&view.to_query()), view, "{column:?}");
            }
        }
    }

    #[test]
    fn a_hand_edited_address_keeps_what_it_can() {
        let view = parsed("?sort=colour&order=sideways&page=zero&filter=epochs%20%3E%205");
        assert_eq!(view.filter, "epochs > 5");
        assert_eq!(view.sort, Column::Started);
        assert!(view.descending);
        assert_eq!(view.page, 0);
        assert_eq!(parsed("?page=0").page, 0);
        assert_eq!(
            parsed("?experiment=").experiment,
            None,
            "an empty one is every experiment"
        );
        assert!(!parsed("?sort=name").descending);
    }
}
