//! Headers every response carries, request ids, and the access log, which
//! never shows a link's token.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Logger, Next};

/// The Content-Security-Policy: our own stylesheet, no scripts, forms post
/// only to us, no framing.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("content-security-policy", CSP))
        .add(("referrer-policy", "no-referrer"))
        .add(("x-content-type-options", "nosniff"))
        .add(("x-frame-options", "DENY"))
        .add(("cross-origin-opener-policy", "same-origin"))
        .add((
            "permissions-policy",
            "camera=(), microphone=(), geolocation=()",
        ))
        // Pages are personal: nothing may be cached (the stylesheet sets its own).
        .add(("cache-control", "no-store"))
}

/// A path segment as the router reads it (percent-decoded).
fn decoded(segment: &str) -> std::borrow::Cow<'_, str> {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy()
}

/// The segments that lead to a link token.
fn is_link_prefix(segment: &str) -> bool {
    matches!(&*decoded(segment), "s" | "u" | "o")
}

/// A path with every link token replaced, fit for logs; `/%73/…` is
/// recognised as `/s/…`.
pub fn redact(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut segments = path.split('/').peekable();
    let mut previous = "";
    while let Some(segment) = segments.next() {
        if is_link_prefix(previous) && !segment.is_empty() {
            out.push_str("***");
        } else {
            out.push_str(segment);
        }
        if segments.peek().is_some() {
            out.push('/');
        }
        previous = segment;
    }
    out
}

/// Refuses link paths written with percent escapes (`/%73/TOKEN` for
/// `/s/TOKEN`): our links never contain one, so such a request is a probe.
/// Answered like an unknown link, before routing.
pub async fn canonical_path(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let path = req.path();
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    if path.contains('%') && is_link_prefix(first) {
        let response = actix_web::HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("Not found\n");
        return Ok(req.into_response(response));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// One line per request: request id, method, redacted path, status, bytes,
/// milliseconds. No query string, no referrer, no token.
pub fn access_log() -> Logger {
    Logger::new(
        "request_id=%{x-request-id}o method=%{method}xi path=%{path}xi status=%s bytes=%b ms=%D",
    )
    .custom_request_replace("path", |req| redact(req.path()))
    .custom_request_replace("method", |req| req.method().to_string())
}

/// Gives every request a random id, returned as `x-request-id`.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = format!("{:016x}", rand::random::<u64>());
    let mut response = next.call(req).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn tokens_are_removed_from_paths() {
        assert_eq!(redact("/s/0123abcd"), "/s/***");
        assert_eq!(redact("/o/0123abcd"), "/o/***");
        assert_eq!(redact("/u/x/extra"), "/u/***/extra");
        assert_eq!(redact("/%73/0123abcd"), "/%73/***");
        assert_eq!(redact("/%75/0123abcd"), "/%75/***");
        assert_eq!(redact("/healthz"), "/healthz");
        assert_eq!(redact("/static/klimat.css"), "/static/klimat.css");
    }
}
