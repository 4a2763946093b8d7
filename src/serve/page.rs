//! The page: HTML, CSS and JavaScript compiled into the binary, so it works offline.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;

/// Headers every asset carries: its type, no caching (a new binary serves a new page), no
/// content sniffing, and a policy that lets the page load only what this server serves.
fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
            ),
        ],
        body,
    )
}

/// The page, with the expression language's function list filled in (one place for it: the
/// primitive table).
static INDEX: LazyLock<String> = LazyLock::new(|| {
    include_str!("assets/index.html").replace("{{FUNCTIONS}}", &crate::expr::FUNCTIONS.join(" "))
});

pub(crate) async fn index() -> impl IntoResponse {
    asset("text/html; charset=utf-8", INDEX.as_str())
}

pub(crate) async fn script() -> impl IntoResponse {
    javascript(include_str!("assets/app.js"))
}

/// The quiz mode, shared by the two views.
pub(crate) async fn quiz_script() -> impl IntoResponse {
    javascript(include_str!("assets/quiz.js"))
}

/// The expression view.
pub(crate) async fn expr_script() -> impl IntoResponse {
    javascript(include_str!("assets/expr.js"))
}

/// The network diagram and the backward sweep through it.
pub(crate) async fn network_script() -> impl IntoResponse {
    javascript(include_str!("assets/network.js"))
}

/// The training view.
pub(crate) async fn train_script() -> impl IntoResponse {
    javascript(include_str!("assets/train.js"))
}

fn javascript(body: &'static str) -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", body)
}

pub(crate) async fn style() -> impl IntoResponse {
    asset("text/css; charset=utf-8", include_str!("assets/style.css"))
}
