//! Errors as the API answers them, and the JSON body extractor that reports its own.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::App;
use crate::error::Error;

/// An error answer: a status and `{"error": message}`, with the position of a parser error.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
    /// Line, column and the message without them, for a parser error.
    at: Option<(usize, usize, String)>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            at: None,
        }
    }

    /// Any status, for an error answer axum made without a body.
    pub(crate) fn with_status(status: StatusCode, message: impl Into<String>) -> Self {
        Self::new(status, message)
    }

    /// 400: the request asks for something invalid.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 403: the request is not for this server (its `Host` is not local), or came from another
    /// site's page.
    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404: no such page, endpoint or session.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 413: the request's declared body is larger than the cap.
    pub(crate) fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, message)
    }

    /// 429: too many training sessions are open.
    pub(crate) fn too_many(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, message)
    }

    /// 503: the request took longer than the limit.
    pub(crate) fn timeout(limit: Duration) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the request took longer than the limit of {} s; ask for less",
                limit.as_secs_f64()
            ),
        )
    }

    /// 500: the server failed (a worker thread could not start, a task panicked).
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl From<Error> for ApiError {
    /// A library error is the request's fault: 400, with the position of a parser error.
    fn from(e: Error) -> Self {
        let at = match &e {
            Error::Parse { line, col, message } => Some((*line, *col, message.clone())),
            _ => None,
        };
        ApiError {
            at,
            ..Self::bad_request(e.to_string())
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match self.at {
            Some((line, col, message)) => {
                json!({"error": self.message, "line": line, "col": col, "message": message})
            }
            None => json!({"error": self.message}),
        };
        (self.status, Json(body)).into_response()
    }
}

/// A JSON request body of type `T`; a body that is too large, not JSON, or not a `T` is an
/// [`ApiError`] that says which.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<T: DeserializeOwned> FromRequest<Arc<App>> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, app: &Arc<App>) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, app).await {
            Ok(Json(body)) => Ok(JsonBody(body)),
            Err(rejection) => Err(rejected(rejection, app.limits.max_body_bytes)),
        }
    }
}

/// The error for a body the JSON extractor refused.
fn rejected(rejection: JsonRejection, max_body_bytes: usize) -> ApiError {
    let status = rejection.status();
    let message = match rejection {
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => {
            format!("the request body is larger than the limit of {max_body_bytes} bytes")
        }
        JsonRejection::MissingJsonContentType(_) => {
            "the request body must be JSON, sent with Content-Type: application/json".into()
        }
        other => other.body_text(),
    };
    ApiError::new(status, message)
}
