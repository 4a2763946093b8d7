//! The accept loop: every connection is served by HTTP/1.1 with a header-read timeout, so a
//! client that opens a connection and never completes its request headers is disconnected
//! after [`Limits::header_read_timeout`](super::Limits::header_read_timeout) instead of holding
//! its connection (and the memory behind it) for ever.

use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// Serves `router` on every connection `listener` accepts, until the process ends.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
) -> std::io::Result<()> {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // The connection failed before it was accepted: nothing to answer.
            Err(e) if is_connection_error(&e) => continue,
            // Out of file descriptors or similar: wait for some to be released, as axum does.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout);
            // A connection's error (a timeout, a malformed request, a reset) ends only it.
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}
