//! `POST /api/train/{id}/backprop`: the backward sweep of one data point's loss through the
//! session's network, neuron by neuron, and optionally one optimizer step on that point.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::oneshot;

use super::worker::{Action, Command};
use super::{App, path_error};
use crate::serve::error::{ApiError, JsonBody};

/// The request: which point (its index in the session's `points`), and whether to take one
/// optimizer step on it first.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackpropRequest {
    point: usize,
    #[serde(default)]
    apply: bool,
}

/// Pauses the session and answers the point's backward sweep (see the module docs of
/// [`serve`](crate::serve)).
pub(crate) async fn backprop(
    State(app): State<Arc<App>>,
    id: Result<Path<String>, PathRejection>,
    JsonBody(request): JsonBody<BackpropRequest>,
) -> Result<Json<Value>, ApiError> {
    let Path(id) = id.map_err(path_error)?;
    let (commands, _) = app.sessions.touch(&id, &app)?;
    let action = Action::Backprop {
        point: request.point,
        apply: request.apply,
    };
    let (done, finished) = oneshot::channel();
    if commands.send(Command { action, done }).is_err() {
        return Err(ApiError::internal(format!(
            "training session {id} has stopped"
        )));
    }
    match finished.await {
        Ok(Ok(answer)) => Ok(Json(answer)),
        Ok(Err(message)) => Err(ApiError::bad_request(message)),
        Err(_) => Err(ApiError::internal(format!(
            "training session {id} has stopped"
        ))),
    }
}
