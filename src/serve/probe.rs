//! One request through the whole playground (the cross-site and Host guard, the limits, routing,
//! the handlers' decoding of paths, query strings and JSON bodies) without a socket: the entry
//! point of the request fuzz target and of the property tests that feed the server arbitrary
//! requests. Not part of the API.

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

use super::{App, Limits, router, train};

/// A playground with its own sessions, and a runtime to answer requests on.
pub struct Probe {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
}

impl Probe {
    /// A playground with `limits`, as `tapegrad serve` runs it on a loopback address (so it
    /// answers only requests for a local host). Training sessions are never closed for being
    /// idle.
    pub fn new(limits: Limits) -> Probe {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime on this thread");
        let app = Arc::new(App {
            limits,
            sessions: train::Sessions::default(),
            local_only: true,
        });
        Probe {
            runtime,
            router: router(app),
        }
    }

    /// The answer to a request: its status and body. `Err` when the method, target or a
    /// header is not valid HTTP (a request the HTTP parser refuses before the playground sees
    /// it).
    pub fn answer(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<(u16, Vec<u8>), String> {
        let mut request = Request::builder().method(method).uri(target);
        for &(name, value) in headers {
            request = request.header(name, value);
        }
        let request = request.body(Body::from(body)).map_err(|e| e.to_string())?;
        self.runtime.block_on(async {
            let response = self
                .router
                .clone()
                .oneshot(request)
                .await
                .expect("infallible");
            let status = response.status().as_u16();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .map_err(|e| e.to_string())?;
            Ok((status, body.to_vec()))
        })
    }
}
