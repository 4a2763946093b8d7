//! The training view's endpoints: open a session, poll it, start / pause / step it, close it.
//!
//! Each session is a thread of its own ([`worker`]) that owns the network; the handlers talk to
//! it through a command channel and read what it published. A session nobody polls for
//! [`Limits::session_idle`](super::Limits::session_idle) is closed by [`close_idle`].

pub(crate) mod backprop;
mod config;
mod worker;

use std::collections::HashMap;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::App;
use super::error::{ApiError, JsonBody};
use super::session_id::SessionIds;
use config::TrainConfig;
use worker::{Action, Command};

/// The open sessions, by id (see [`SessionIds`]).
#[derive(Default)]
pub(crate) struct Sessions {
    inner: Mutex<Registry>,
}

#[derive(Default)]
struct Registry {
    ids: SessionIds,
    open: HashMap<String, Session>,
}

struct Session {
    commands: Sender<Command>,
    state: Arc<Mutex<worker::State>>,
    last_seen: Instant,
}

impl Sessions {
    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The session `id`'s channel and state, marking it as seen.
    fn touch(
        &self,
        id: &str,
        app: &App,
    ) -> Result<(Sender<Command>, Arc<Mutex<worker::State>>), ApiError> {
        let mut registry = self.registry();
        let session = registry.open.get_mut(id).ok_or_else(|| {
            ApiError::not_found(format!(
                "no training session {id}: it was closed, or nobody polled it for {} s",
                app.limits.session_idle.as_secs_f64()
            ))
        })?;
        session.last_seen = Instant::now();
        Ok((session.commands.clone(), session.state.clone()))
    }
}

/// `GET /api/train/{id}?since=K`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Since {
    #[serde(default)]
    since: usize,
}

/// `POST /api/train/{id}/step?steps=N`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Steps {
    #[serde(default = "one")]
    steps: u64,
}

fn one() -> u64 {
    1
}

fn path_error(e: PathRejection) -> ApiError {
    ApiError::bad_request(format!(
        "{}: a session id is the text the server answered",
        e.body_text()
    ))
}

fn query_error(e: QueryRejection) -> ApiError {
    ApiError::bad_request(e.body_text())
}

/// `POST /api/train`: checks the configuration, starts the session's thread, answers the
/// session's description and first state.
pub(crate) async fn create(
    State(app): State<Arc<App>>,
    JsonBody(config): JsonBody<TrainConfig>,
) -> Result<Json<Value>, ApiError> {
    let plan = config.plan(&app.limits)?;
    let too_many = || {
        ApiError::too_many(format!(
            "{} training sessions are open, the limit; close one (DELETE /api/train/ID) or let \
             it go idle for {} s",
            app.limits.max_sessions,
            app.limits.session_idle.as_secs_f64()
        ))
    };
    if app.sessions.registry().open.len() >= app.limits.max_sessions {
        return Err(too_many());
    }
    let info = json!({
        "points": plan.data.rows().zip(plan.data.targets()).map(|(r, &t)| [r[0], r[1], t]).collect::<Vec<_>>(),
        "bounds": worker::bounds(&plan),
        "parameters": super::parameters(plan.sizes.iter().copied()),
        "config": plan.config,
        "max_steps": plan.max_steps,
    });
    let (commands, receiver) = mpsc::channel();
    let state = Arc::new(Mutex::new(worker::State::default()));
    let (ready, model) = oneshot::channel();
    let shared = state.clone();
    std::thread::Builder::new()
        .name("tapegrad-train".into())
        .spawn(move || worker::run(plan, receiver, shared, ready))
        .map_err(|e| ApiError::internal(format!("cannot start a training thread: {e}")))?;
    let model = model
        .await
        .map_err(|_| ApiError::internal("the training thread stopped before it was ready"))?;

    let mut registry = app.sessions.registry();
    if registry.open.len() >= app.limits.max_sessions {
        return Err(too_many()); // another request took the last place meanwhile
    }
    let id = registry.ids.next();
    registry.open.insert(
        id.clone(),
        Session {
            commands,
            state: state.clone(),
            last_seen: Instant::now(),
        },
    );
    drop(registry);
    let mut out = worker::lock(&state).to_json(0);
    out["id"] = id.into();
    out["model"] = model.into();
    for (k, v) in info.as_object().expect("an object") {
        out[k] = v.clone();
    }
    Ok(Json(out))
}

/// `GET /api/train/{id}`: the session's state, with the loss history from `since` on.
pub(crate) async fn state(
    State(app): State<Arc<App>>,
    id: Result<Path<String>, PathRejection>,
    since: Result<Query<Since>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(id) = id.map_err(path_error)?;
    let Query(since) = since.map_err(query_error)?;
    let (_, state) = app.sessions.touch(&id, &app)?;
    Ok(Json(worker::lock(&state).to_json(since.since)))
}

/// `POST /api/train/{id}/{start|pause|step}`: does it, then answers the state.
pub(crate) async fn control(
    State(app): State<Arc<App>>,
    path: Result<Path<(String, String)>, PathRejection>,
    steps: Result<Query<Steps>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path((id, action)) = path.map_err(path_error)?;
    let action = match action.as_str() {
        "start" => Action::Start,
        "pause" => Action::Pause,
        "step" => {
            let Query(Steps { steps }) = steps.map_err(query_error)?;
            let most = u64::from(app.limits.max_rate);
            if !(1..=most).contains(&steps) {
                return Err(ApiError::bad_request(format!(
                    "steps must be between 1 and {most}; got {steps}"
                )));
            }
            Action::Step(steps)
        }
        other => {
            return Err(ApiError::not_found(format!(
                "unknown action '{other}'; use start, pause or step"
            )));
        }
    };
    let (commands, state) = app.sessions.touch(&id, &app)?;
    let (done, finished) = oneshot::channel();
    let sent = commands.send(Command { action, done }).is_ok();
    if !sent || finished.await.is_err() {
        return Err(ApiError::internal(format!(
            "training session {id} has stopped"
        )));
    }
    Ok(Json(worker::lock(&state).to_json(usize::MAX)))
}

/// `DELETE /api/train/{id}`: closes the session; its thread ends.
pub(crate) async fn close(
    State(app): State<Arc<App>>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(id) = id.map_err(path_error)?;
    app.sessions.touch(&id, &app)?;
    app.sessions.registry().open.remove(&id);
    Ok(Json(json!({ "closed": id })))
}

/// Forever: closes the sessions nobody has polled for the idle limit.
pub(crate) async fn close_idle(app: Arc<App>) {
    let idle = app.limits.session_idle;
    let every = (idle / 4).clamp(
        std::time::Duration::from_millis(10),
        std::time::Duration::from_secs(5),
    );
    loop {
        tokio::time::sleep(every).await;
        app.sessions
            .registry()
            .open
            .retain(|_, s| s.last_seen.elapsed() < idle);
    }
}
