//! What every request passes before it reaches a route, so that every endpoint (present and
//! future) is covered: one strictly parsed `Host` that names this machine when the server
//! listens on a loopback address (DNS rebinding), a `Content-Length` within the body cap
//! (refused before the body is read), and, for a request that can change state (any method
//! but GET, HEAD, OPTIONS and TRACE), no sign of coming from another site's page.
//!
//! A browser marks the requests a page makes: `Origin` on every POST and DELETE, and
//! `Sec-Fetch-Site` on every request. A page of another site can send a body-less POST or a
//! DELETE without the server's permission (no CORS preflight guards them), so such requests are
//! refused when their `Origin` is not this server's own, or their `Sec-Fetch-Site` is
//! `cross-site` or `same-site` (another port of the same host is same-site, not same-origin).
//! A request with neither header (curl, a script) is not a browser's and is answered.
//!
//! On the way back, an error answer that is not JSON (axum's own, e.g. 405 for a method a
//! route does not take) is given the JSON body every error of the API has.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::App;
use super::error::ApiError;

/// A host as a `Host` header or an origin names it: the name (lowercase) or address, and the
/// port if one is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Authority {
    host: Host,
    port: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Host {
    Name(String),
    Ip(IpAddr),
}

impl Authority {
    /// Parses `host[:port]` strictly (RFC 9110's `Host`, without user information): an IPv6
    /// address in brackets followed by nothing or a port, or a name of letters, digits, `-` and
    /// `.` (an IPv4 address among them), then an optional port of 1 to 5 digits below 65536.
    /// `None` for anything else, e.g. `[::1]evil.example` or `localhost:80:80`.
    pub(crate) fn parse(text: &str) -> Option<Authority> {
        let (host, port) = match text.strip_prefix('[') {
            Some(rest) => {
                let (v6, after) = rest.split_once(']')?;
                let ip: Ipv6Addr = v6.parse().ok()?;
                (Host::Ip(IpAddr::V6(ip)), after)
            }
            None => {
                let end = text.find(':').unwrap_or(text.len());
                let name = &text[..end];
                let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
                if name.is_empty() || !name.chars().all(valid) {
                    return None;
                }
                let host = match name.parse::<std::net::Ipv4Addr>() {
                    Ok(ip) => Host::Ip(IpAddr::V4(ip)),
                    Err(_) => Host::Name(name.to_ascii_lowercase()),
                };
                (host, &text[end..])
            }
        };
        let port = match port {
            "" => None,
            p => {
                let digits = p.strip_prefix(':')?;
                if digits.is_empty()
                    || digits.len() > 5
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return None;
                }
                Some(digits.parse().ok()?)
            }
        };
        Some(Authority { host, port })
    }

    /// `localhost` or a loopback address.
    pub(crate) fn is_local(&self) -> bool {
        match &self.host {
            Host::Name(name) => name == "localhost",
            Host::Ip(ip) => ip.is_loopback(),
        }
    }

    /// The same host and port, the port defaulting to HTTP's 80.
    fn same_as(&self, other: &Authority) -> bool {
        self.host == other.host && self.port.unwrap_or(80) == other.port.unwrap_or(80)
    }
}

/// The checks of the module documentation, in order: `Host`, `Content-Length`, then the
/// origin of a state-changing request. The first that fails answers, and nothing else runs.
pub(crate) async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let checked = host(&app, &request)
        .and_then(|authority| {
            body_size(request.headers(), app.limits.max_body_bytes)?;
            Ok(authority)
        })
        .and_then(|authority| same_origin(&request, &authority));
    match checked {
        Ok(()) => {
            let (method, path) = (request.method().clone(), request.uri().path().to_string());
            as_json_error(next.run(request).await, &method, &path)
        }
        Err(e) => e.into_response(),
    }
}

/// `response`, or for an error without a JSON body the same status and headers with
/// `{"error": …}` saying what was refused.
fn as_json_error(response: Response, method: &axum::http::Method, path: &str) -> Response {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return response;
    }
    let allowed = response
        .headers()
        .get(header::ALLOW)
        .map(|a| format!(" (it takes {})", shown(a)))
        .unwrap_or_default();
    let reason = status.canonical_reason().unwrap_or("error");
    let (mut parts, _) = response.into_parts();
    let mut answer = ApiError::with_status(status, format!("{method} {path}: {reason}{allowed}"))
        .into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in answer.headers() {
        parts.headers.insert(name, value.clone());
    }
    *answer.headers_mut() = parts.headers;
    answer
}

/// The request's one `Host`, parsed; on a loopback address it must name this machine.
fn host(app: &App, request: &Request) -> Result<Authority, ApiError> {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let (Some(value), None) = (hosts.next(), hosts.next()) else {
        return Err(ApiError::bad_request(
            "a request needs exactly one Host header",
        ));
    };
    let text = value.to_str().unwrap_or_default();
    let authority = Authority::parse(text).ok_or_else(|| {
        ApiError::bad_request(format!("the Host header '{}' is not a host", shown(value)))
    })?;
    // A request in absolute form (`POST http://host/path`) names its host again; the two agree.
    if let Some(target) = request.uri().authority() {
        if Authority::parse(target.as_str()).is_none_or(|t| !t.same_as(&authority)) {
            return Err(ApiError::bad_request(format!(
                "the request is for host '{target}' but its Host header says '{text}'"
            )));
        }
    }
    if app.local_only && !authority.is_local() {
        return Err(ApiError::forbidden(format!(
            "this server answers requests for localhost only, not for host '{text}'"
        )));
    }
    Ok(authority)
}

/// A declared body over the cap is refused before any of it is read (a body without a
/// declared length is cut off at the cap as it is read, by the body limit layer).
fn body_size(headers: &HeaderMap, max_body_bytes: usize) -> Result<(), ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(n) if n > max_body_bytes as u64 => Err(ApiError::too_large(format!(
            "the request body is {n} bytes, larger than the limit of {max_body_bytes} bytes"
        ))),
        _ => Ok(()),
    }
}

/// A request that can change state is refused when a browser says another site's page sent
/// it.
fn same_origin(request: &Request, own: &Authority) -> Result<(), ApiError> {
    if request.method().is_safe() {
        return Ok(());
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        if !matches!(site.as_bytes(), b"same-origin" | b"none") {
            return Err(ApiError::forbidden(format!(
                "cross-site request refused: {} {} comes from another site's page \
                 (Sec-Fetch-Site: {}); this server takes it only from its own page or without \
                 a browser",
                request.method(),
                request.uri().path(),
                shown(site)
            )));
        }
    }
    let mut origins = headers.get_all(header::ORIGIN).iter();
    match (origins.next(), origins.next()) {
        (None, _) => Ok(()),
        (Some(origin), None) if is_own_origin(origin, own) => Ok(()),
        (Some(origin), _) => Err(ApiError::forbidden(format!(
            "cross-site request refused: {} {} comes from the page of origin '{}', not from \
             this server's own page; it takes such requests only from its own page or without \
             a browser",
            request.method(),
            request.uri().path(),
            shown(origin)
        ))),
    }
}

/// `http://` and the same host and port as the request's `Host` (the server speaks plain
/// HTTP, so an `https` page is another origin).
fn is_own_origin(origin: &HeaderValue, own: &Authority) -> bool {
    origin
        .to_str()
        .ok()
        .and_then(|o| o.strip_prefix("http://"))
        .and_then(Authority::parse)
        .is_some_and(|a| a.same_as(own))
}

/// A header's value for a message: its text, or a note that it is not text; at most 100
/// characters.
fn shown(value: &HeaderValue) -> String {
    match value.to_str() {
        Ok(text) => text.chars().take(100).collect(),
        Err(_) => "(not text)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::Authority;

    #[test]
    fn hosts_are_parsed_strictly() {
        for host in [
            "localhost",
            "LOCALHOST:8000",
            "127.0.0.1:8000",
            "127.1.2.3",
            "[::1]:8000",
            "[::1]",
        ] {
            let a = Authority::parse(host).unwrap_or_else(|| panic!("{host}"));
            assert!(a.is_local(), "{host}");
        }
        for host in [
            "example.com",
            "localhost.example.com:8000",
            "10.0.0.1:8000",
            "[::2]:80",
            "0.0.0.0",
        ] {
            let a = Authority::parse(host).unwrap_or_else(|| panic!("{host}"));
            assert!(!a.is_local(), "{host}");
        }
        for host in [
            "",
            "[::1]evil.example",
            "[::1]:80evil",
            "[::1",
            "[127.0.0.1]",
            "localhost:",
            "localhost:80:80",
            "localhost:65536",
            "localhost:+80",
            "localhost:123456",
            "local host",
            "evil.example@localhost",
            "localhost/evil",
            ":80",
        ] {
            assert_eq!(Authority::parse(host), None, "{host}");
        }
    }

    #[test]
    fn the_default_port_is_80() {
        let a = |s| Authority::parse(s).unwrap();
        assert!(a("localhost").same_as(&a("LocalHost:80")));
        assert!(!a("localhost:8000").same_as(&a("localhost")));
        assert!(!a("127.0.0.1:8000").same_as(&a("localhost:8000")));
    }
}
