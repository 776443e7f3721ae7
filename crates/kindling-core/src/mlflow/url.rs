//! The tracking server's address as a person types it, checked before anything is sent, and
//! the origin the page's Content-Security-Policy must admit for it.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum UrlError {
    #[error(
        "the MLflow tracking URL must start with http:// or https:// (e.g. http://127.0.0.1:5000)"
    )]
    Scheme,
    #[error("the MLflow tracking URL names no host (e.g. http://127.0.0.1:5000)")]
    NoHost,
    #[error(
        "the MLflow tracking URL may hold only a host, a port and a path; '{0}' is not allowed in it"
    )]
    Character(char),
    #[error("the port in the MLflow tracking URL must be a number from 1 to 65535")]
    Port,
}

/// A checked tracking URL: scheme, host, optional port and path prefix, no trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingUrl {
    base: String,
    origin_len: usize,
}

impl TrackingUrl {
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let text = text.trim().trim_end_matches('/');
        let rest = text
            .strip_prefix("http://")
            .or_else(|| text.strip_prefix("https://"))
            .ok_or(UrlError::Scheme)?;
        if let Some(bad) = rest.chars().find(|c| {
            !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '/' | '[' | ']'))
        }) {
            return Err(UrlError::Character(bad));
        }
        let authority = rest.split('/').next().unwrap_or_default();
        // An IPv6 host is bracketed: `[::1]:5000`.
        let (host, port) = match authority.strip_prefix('[') {
            Some(inner) => match inner.split_once(']') {
                Some((host, after)) => {
                    let port =
                        (!after.is_empty()).then(|| after.strip_prefix(':').unwrap_or(after));
                    (host, port)
                }
                None => return Err(UrlError::NoHost),
            },
            None => match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        if let Some(port) = port
            && !port.parse::<u16>().is_ok_and(|port| port > 0)
        {
            return Err(UrlError::Port);
        }
        if host.is_empty() {
            return Err(UrlError::NoHost);
        }
        let origin_len = text.len() - rest.len() + authority.len();
        Ok(Self {
            base: text.to_owned(),
            origin_len,
        })
    }

    /// The URL as typed, checked, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// `scheme://host[:port]`: what the page's `connect-src` admits.
    pub fn origin(&self) -> &str {
        &self.base[..self.origin_len]
    }

    /// The address of an API path (`/api/2.0/mlflow/runs/create`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}
