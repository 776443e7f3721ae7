//! One HTTP exchange with the tracking server, as each platform makes it: the tab with
//! `fetch`, the command line with a native client. Everything above it is shared.

use std::future::Future;
use std::pin::Pin;

use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body<'a> {
    Empty,
    /// Sent as `application/json`.
    Json(String),
    /// Sent as `application/octet-stream` (an artifact).
    Bytes(&'a [u8]),
}

/// A request to `url` (the tracking URL joined with an API path and its query).
#[derive(Debug, Clone, PartialEq)]
pub struct Request<'a> {
    pub method: Method,
    pub url: String,
    pub body: Body<'a>,
}

/// Whatever the server answered, error statuses included: the sync reads MLflow's
/// `error_code` from the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Why no answer came back, as far as the platform can tell.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TransportError {
    /// Nothing answered at the address (down, wrong port, no network).
    #[error("nothing answered: {0}")]
    NoAnswer(String),
    /// The server answered, but the browser withheld the answer: the server does not allow
    /// this page's origin (CORS).
    #[error("the server does not allow requests from this page's origin")]
    CorsRefused,
    /// The page's own Content-Security-Policy does not admit the server's origin yet (it is
    /// set when the page loads).
    #[error("this page does not yet allow connections to {0}")]
    NotAdmitted(String),
}

pub type TransportFuture<'a> = Pin<Box<dyn Future<Output = Result<Response, TransportError>> + 'a>>;

/// Sends one request and waits for the whole answer.
pub trait MlflowTransport {
    fn send<'a>(&'a self, request: Request<'a>) -> TransportFuture<'a>;
}
