//! The MLflow sync's transport in the tab: `fetch` to the tracking server the person set, and
//! what the page can tell about a request that got no answer (its own policy refused it, the
//! server refused this origin, or nothing answered).
//!
//! The page's Content-Security-Policy admits no other origin (`connect-src 'self'`) until a
//! tracking URL is saved: then the service worker serves the page with that one origin added
//! (`sw.js`, from the settings record), so it applies from the next load.

use js_sys::Uint8Array;
use kindling_core::mlflow::transport::TransportFuture;
use kindling_core::mlflow::{Body, MlflowTransport, Request, Response, TransportError};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, RequestMode};

use crate::state::mlflow::MlflowLink;

pub struct FetchLink;

impl MlflowLink for FetchLink {
    fn transport(&self) -> &dyn MlflowTransport {
        self
    }

    fn page_origin(&self) -> String {
        web_sys::window()
            .and_then(|window| window.location().origin().ok())
            .unwrap_or_default()
    }

    fn admits(&self, origin: &str) -> bool {
        admits(origin)
    }

    fn reload(&self) {
        crate::platform::pwa::reload_when_served();
    }
}

impl MlflowTransport for FetchLink {
    fn send<'a>(&'a self, request: Request<'a>) -> TransportFuture<'a> {
        Box::pin(async move {
            let window = web_sys::window().ok_or_else(|| {
                TransportError::NoAnswer("there is no window to send from".into())
            })?;
            let init = RequestInit::new();
            init.set_method(request.method.as_str());
            init.set_mode(RequestMode::Cors);
            let headers =
                Headers::new().map_err(|error| TransportError::NoAnswer(format!("{error:?}")))?;
            let body: Option<JsValue> = match request.body {
                Body::Empty => None,
                Body::Json(text) => {
                    let _ = headers.set("content-type", "application/json");
                    Some(JsValue::from_str(&text))
                }
                Body::Bytes(bytes) => {
                    let _ = headers.set("content-type", "application/octet-stream");
                    Some(Uint8Array::from(bytes).into())
                }
            };
            init.set_headers(&headers);
            if let Some(body) = &body {
                init.set_body(body);
            }
            let answered =
                JsFuture::from(window.fetch_with_str_and_init(&request.url, &init)).await;
            let Ok(response) = answered else {
                return Err(why_no_answer(&request.url).await);
            };
            let response: web_sys::Response = response
                .dyn_into()
                .map_err(|_| TransportError::NoAnswer("the answer was not a response".into()))?;
            let status = response.status();
            let buffer = match response.array_buffer() {
                Ok(promise) => JsFuture::from(promise).await.ok(),
                Err(_) => None,
            };
            let body = buffer
                .map(|buffer| Uint8Array::new(&buffer).to_vec())
                .unwrap_or_default();
            Ok(Response { status, body })
        })
    }
}

/// A failed `fetch` says only "TypeError": the page's policy, the server's CORS answer and a
/// closed port all look alike. The policy is read from the page; an opaque (`no-cors`) request
/// then tells a server that answered from one that did not.
async fn why_no_answer(url: &str) -> TransportError {
    let Some(origin) = web_sys::Url::new(url).ok().map(|url| url.origin()) else {
        return TransportError::NoAnswer(format!("{url} is not an address"));
    };
    if !admits(&origin) {
        return TransportError::NotAdmitted(origin);
    }
    let Some(window) = web_sys::window() else {
        return TransportError::NoAnswer("there is no window".into());
    };
    let init = RequestInit::new();
    init.set_mode(RequestMode::NoCors);
    match JsFuture::from(window.fetch_with_str_and_init(&format!("{origin}/health"), &init)).await {
        Ok(_) => TransportError::CorsRefused,
        Err(_) => TransportError::NoAnswer("the browser could not connect".into()),
    }
}

/// Whether the page's policy, as loaded, lets it connect to `origin`.
fn admits(origin: &str) -> bool {
    let policy = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| {
            document
                .query_selector("meta[http-equiv=\"Content-Security-Policy\"]")
                .ok()
                .flatten()
        })
        .and_then(|meta| meta.get_attribute("content"));
    // A page served without the policy (a development server) restricts nothing.
    let Some(policy) = policy else {
        return true;
    };
    policy
        .split(';')
        .map(str::trim)
        .find_map(|directive| directive.strip_prefix("connect-src"))
        .is_some_and(|sources| sources.split_whitespace().any(|source| source == origin))
}
