//! The browser playground behind `tapegrad serve`: one page and a small JSON API.
//!
//! The page (HTML, CSS and JavaScript embedded in the binary: no build step, no CDN, it works
//! offline) has two views:
//!
//! - **Expression**: type an expression and its inputs' values; see the graph with the value
//!   and gradient of every node, step through the backward sweep one node at a time (the node
//!   and its incoming edges highlighted, `upstream × local partial = contribution` for each
//!   input, the accumulated gradients updating), run it to the end, and ask for the Hessian.
//!   Parser errors are shown at their column.
//!   A quiz mode asks for each local partial (or contribution) before the step shows it.
//! - **Training**, in the manner of TensorFlow Playground: a 2-D data set (xor, moons, circles,
//!   linear), hidden layers and widths, activation, optimizer and learning rate, L1/L2
//!   strength and batch size; start, pause, step; the training and test loss curves, the
//!   decision boundary (a heat map of the predicted probability over the plane), the network
//!   diagram (each neuron drawn as what it computes over the plane, each edge by its weight)
//!   and each layer's gradient norm update while a scalar-neuron
//!   [`Mlp`](crate::nn::scalar::Mlp) trains on the server. Clicking a point steps through the
//!   backward sweep of its loss through the live network, neuron by neuron (with the quiz
//!   too), and can take one optimizer step on it.
//!
//! # Bounds
//! The server takes its input from a browser, so everything a request can ask for is capped
//! ([`Limits`], all reported by `GET /api/limits`): the body size, the expression's length,
//! depth and node count, the network's layers, widths and parameters, the data set's size, the
//! training steps and rate, the number of training sessions, and the time a request may take.
//! A training session that nobody polls for [`Limits::session_idle`] is closed and its thread
//! ends. A client has [`Limits::header_read_timeout`] to send a request's headers, and a
//! declared body over the cap is refused before it is read. No request reads or writes a
//! file. The command binds 127.0.0.1 unless told otherwise; on a loopback address the server
//! answers only requests whose one `Host` header is `localhost` or a loopback address, so a
//! page elsewhere cannot reach it by pointing its own name at 127.0.0.1 (DNS rebinding).
//!
//! # Cross-site requests
//! A page of another site can make the browser send a body-less POST or a DELETE anywhere, so
//! every request but GET, HEAD, OPTIONS and TRACE is refused (403) when the browser marks it as
//! another site's: an `Origin` that is not this server's own (`http://` and the request's
//! `Host`), or `Sec-Fetch-Site: cross-site` or `same-site`. Requests without these headers
//! (curl, scripts) are answered. Session ids are 32 hex digits, 64 of their bits random, and
//! never reused, so a page cannot guess one either.
//!
//! # The API
//! Requests and responses are JSON (`Content-Type: application/json`); numbers that JSON cannot
//! carry (infinities, NaN) are the strings `"inf"`, `"-inf"`, `"nan"`. Every error is a status
//! of 400 or more with `{"error": "…"}`; a parser error adds the `"line"` and `"col"` (1-based,
//! in characters) it points at, and `"message"`, the text without its position.
//!
//! | request | answer |
//! |---|---|
//! | `GET /` | the page (also `/style.css`, `/app.js`, `/quiz.js`, `/expr.js`, `/network.js`, `/train.js`) |
//! | `GET /api/limits` | every cap of [`Limits`], by field name (durations in seconds) |
//! | `POST /api/parse` `{"expr": E}` | `{"program": E printed back, "inputs": ["w", …]}` (names in order of first use) |
//! | `POST /api/expr` `{"expr": E, "at": {"w": 0.5, …}, "hessian": false}` | see below |
//! | `POST /api/train` with a [training configuration](#training) | `{"id": "9c0f…0001", "parameters": 17, "model": "Mlp 2 → …", "points": [[x, y, label], …], "bounds": [x0, x1, y0, y1], "config": {…}, …}` and the state below |
//! | `GET /api/train/{id}?since=K` | the session's state: `{"step", "running", "done", "loss", "accuracy", "steps_per_second", "history": {"since": K, "loss": [...], "test_loss": [...], "grad_norms": [...]}, "heatmap": {"size": S, "p": [...]}, "network": {…}, "error"}` |
//! | `POST /api/train/{id}/start`, `/pause` | starts or pauses training; the state |
//! | `POST /api/train/{id}/step?steps=N` (N = 1 unless given, at most [`Limits::max_rate`]) | pauses, takes N steps (fewer when they would take more than half the request time limit); the state after them |
//! | `POST /api/train/{id}/backprop` `{"point": K, "apply": false}` | pauses; the backward sweep of point K's loss, see [below](#backprop) |
//! | `DELETE /api/train/{id}` | closes the session: `{"closed": id}` |
//!
//! `POST /api/expr` answers `{"value": v, "vars": [...], "grad": [...], "hessian": [[...]]}` as
//! `tapegrad grad --json` does (`vars` in the order of first use, `hessian` only when asked
//! for), plus `"svg"`, the picture of the graph with every node's value and gradient, and
//! `"trace"`, the step-by-step backward sweep as [`Trace::to_json_value`](crate::trace::Trace::to_json_value)
//! gives it; node `nK` of the trace is the SVG group with `id="nK"`, and each edge's
//! `data-from` and `data-to` name its two ends. Every input of the expression needs a value in
//! `at`, and `at` names nothing else.
//!
//! ## Training
//! A training configuration (every field optional):
//!
//! ```text
//! {"dataset": "xor" | "moons" | "circles" | "linear", "points": 200, "noise": 0.05, "seed": 0,
//!  "hidden": [4, 4], "activation": "tanh" | "relu" | "sigmoid" | "linear",
//!  "optimizer": "sgd" | "momentum" | "nesterov" | "adam" | "rmsprop" | "adagrad",
//!  "lr": 0.03, "l1": 0, "l2": 0, "batch": 10, "rate": 100}
//! ```
//!
//! The network is an MLP 2 → hidden… → 1 with a linear output, its score the logit of label 1;
//! the loss is the mean binary cross-entropy with logits over a mini-batch, plus `l1`·Σ|θ| and
//! `l2`·Σθ². Mini-batches are drawn from a reshuffled permutation each epoch. `rate` caps the
//! steps per second (training on a shared machine should stay watchable); a session stops by
//! itself at [`Limits::max_steps`]. The state's `loss` and `history` are the data loss on the
//! whole training set after each step (`history.loss[0]` is the loss before the first step),
//! `accuracy` the fraction of points whose score has their label's sign, and `heatmap.p` the
//! predicted probability of label 1 on an S × S grid over `bounds`, top row first. One answer
//! carries at most 10 000 history entries; ask again with `since` where they end for more. The
//! answers of start, pause and step carry no history (it is polled).
//!
//! `history.test_loss` is the same loss on as many points drawn from the same distribution
//! with another seed and never trained on; `history.grad_norms[i]` is, per layer (the output
//! layer last), the Euclidean norm of the gradient of that layer's weights and biases in the
//! step that led to `loss[i]` (`null` for the entry before the first step). `network` is
//! `{"size": S, "layers": [{"activation": "tanh", "neurons": [{"map": [...], "weights": [...],
//! "bias": b}, …]}, …]}`: every neuron's output on an S × S grid over `bounds` (4 significant
//! digits; the output neuron's is the probability σ(score)), its incoming weights and bias.
//!
//! ## Backprop
//! `POST /api/train/{id}/backprop` pauses the session, records point K's loss (binary
//! cross-entropy with logits of that point alone) on the session's tape through the network's
//! own neurons and answers its [`Trace`](crate::trace::Trace): `{"point": K, "x": [x, y],
//! "label": t, "score": z, "loss": ℓ, "step": S, "inputs": ["nA", "nB"], "groups": [...],
//! "trace": {…}}`, the trace as `POST /api/expr` gives it. `groups` splits the trace's steps
//! (indices into `trace.steps`) in the order the sweep takes them: first the loss's
//! (`"layer": null`), then one group per neuron, `{"layer": l, "neuron": j, "output", "sum",
//! "products", "weights", "bias", "inputs", "steps"}`, naming its nodes by trace id. With
//! `"apply": true` it first takes one optimizer step on that point alone (its loss plus the
//! L1/L2 penalties, as a training step) and adds `"loss_before"`, the point's loss before it.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! tapegrad::serve::run(listener, tapegrad::serve::Limits::default()).await
//! # }
//! ```

mod error;
mod expr;
mod guard;
mod listen;
mod page;
#[doc(hidden)]
pub mod probe;
mod session_id;
mod train;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use error::ApiError;

/// Every cap the server puts on what a request may ask for.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// The largest request body, in bytes.
    pub max_body_bytes: usize,
    /// The longest expression, in characters.
    pub max_expr_chars: usize,
    /// The deepest expression: the longest chain of operations from an input to the result.
    pub max_expr_depth: usize,
    /// The most nodes an expression may record (leaves included).
    pub max_expr_nodes: usize,
    /// The most hidden layers of a network.
    pub max_hidden_layers: usize,
    /// The widest hidden layer.
    pub max_width: usize,
    /// The most parameters of a network. By default the parameters of the largest network the
    /// layer and width caps allow ([`Limits::largest_network`]), so it never binds; set it lower
    /// to allow deep networks or wide ones but not both.
    pub max_parameters: usize,
    /// The most points of a data set.
    pub max_points: usize,
    /// The most steps a training session takes; it stops by itself there.
    pub max_steps: u64,
    /// The most steps per second a session may be asked to take.
    pub max_rate: u32,
    /// The most training sessions open at once.
    pub max_sessions: usize,
    /// The longest a request may take before it is answered with an error.
    pub request_time: Duration,
    /// The longest a client may take to send a request's headers, from the moment the server
    /// starts waiting for them; a connection that takes longer is closed.
    pub header_read_timeout: Duration,
    /// How long a training session lives without being polled.
    pub session_idle: Duration,
}

impl Default for Limits {
    /// 16 KiB bodies; expressions of 2000 characters, depth 60, 500 nodes; networks of 6
    /// hidden layers of at most 16 neurons (so at most 1425 parameters); 1000 points; 100 000
    /// steps at most 1000 per second; 4 sessions, closed after 30 s unpolled; 10 s per request,
    /// 10 s to send the headers.
    fn default() -> Self {
        let mut limits = Limits {
            max_body_bytes: 16 * 1024,
            max_expr_chars: 2000,
            max_expr_depth: 60,
            max_expr_nodes: 500,
            max_hidden_layers: 6,
            max_width: 16,
            max_parameters: 0,
            max_points: 1000,
            max_steps: 100_000,
            max_rate: 1000,
            max_sessions: 4,
            request_time: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            session_idle: Duration::from_secs(30),
        };
        limits.max_parameters = limits.largest_network();
        limits
    }
}

impl Limits {
    /// The parameters of the largest network [`max_hidden_layers`](Limits::max_hidden_layers)
    /// and [`max_width`](Limits::max_width) allow: 2 inputs, that many layers of that width,
    /// 1 output, each layer with a bias per neuron.
    ///
    /// ```
    /// use tapegrad::serve::Limits;
    /// // 6 layers of 16: (2+1)·16 + 5·(16+1)·16 + (16+1)·1
    /// assert_eq!(Limits::default().largest_network(), 48 + 1360 + 17);
    /// assert_eq!(Limits::default().max_parameters, 1425);
    /// ```
    pub fn largest_network(&self) -> usize {
        let sizes = std::iter::once(2)
            .chain(std::iter::repeat_n(self.max_width, self.max_hidden_layers))
            .chain([1]);
        parameters(sizes)
    }

    /// The limits as JSON, by field name; durations in seconds.
    fn to_json(&self) -> Value {
        json!({
            "max_body_bytes": self.max_body_bytes,
            "max_expr_chars": self.max_expr_chars,
            "max_expr_depth": self.max_expr_depth,
            "max_expr_nodes": self.max_expr_nodes,
            "max_hidden_layers": self.max_hidden_layers,
            "max_width": self.max_width,
            "max_parameters": self.max_parameters,
            "max_points": self.max_points,
            "max_steps": self.max_steps,
            "max_rate": self.max_rate,
            "max_sessions": self.max_sessions,
            "request_time": self.request_time.as_secs_f64(),
            "header_read_timeout": self.header_read_timeout.as_secs_f64(),
            "session_idle": self.session_idle.as_secs_f64(),
        })
    }
}

/// The parameters of an MLP with layer sizes `sizes` (inputs first): a weight per pair of
/// neurons in adjacent layers and a bias per neuron past the inputs.
pub(crate) fn parameters(sizes: impl IntoIterator<Item = usize>) -> usize {
    let sizes: Vec<usize> = sizes.into_iter().collect();
    sizes.windows(2).map(|w| (w[0] + 1) * w[1]).sum()
}

/// What every handler shares: the limits and the open training sessions.
struct App {
    limits: Limits,
    sessions: train::Sessions,
    /// The server listens on a loopback address, so it answers only requests for a local host.
    local_only: bool,
}

/// The page and the API, behind the [`guard`] (Host, declared body size, cross-site requests)
/// with the body size and request time limits applied (the other limits are the handlers').
fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(page::index))
        .route("/app.js", get(page::script))
        .route("/style.css", get(page::style))
        .route("/quiz.js", get(page::quiz_script))
        .route("/expr.js", get(page::expr_script))
        .route("/network.js", get(page::network_script))
        .route("/train.js", get(page::train_script))
        .route("/api/limits", get(limits_handler))
        .route("/api/parse", post(expr::parse))
        .route("/api/expr", post(expr::evaluate))
        .route("/api/train", post(train::create))
        .route("/api/train/{id}", get(train::state).delete(train::close))
        .route("/api/train/{id}/{action}", post(train::control))
        .route("/api/train/{id}/backprop", post(train::backprop::backprop))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), time_limit))
        .layer(DefaultBodyLimit::max(app.limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(app.clone(), guard::guard))
        .with_state(app)
}

/// Serves the playground on `listener` until the process ends, closing training sessions
/// that are not polled for [`Limits::session_idle`].
pub async fn run(listener: tokio::net::TcpListener, limits: Limits) -> std::io::Result<()> {
    let app = Arc::new(App {
        limits,
        sessions: train::Sessions::default(),
        local_only: listener.local_addr()?.ip().is_loopback(),
    });
    let reaper = tokio::spawn(train::close_idle(app.clone()));
    let timeout = app.limits.header_read_timeout;
    let served = listen::serve(listener, router(app), timeout).await;
    reaper.abort();
    served
}

async fn limits_handler(State(app): State<Arc<App>>) -> axum::Json<Value> {
    axum::Json(app.limits.to_json())
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no such page or endpoint: {} {} (the API is described in the README)",
        request.method(),
        request.uri().path()
    ))
}

/// Answers with an error when a request takes longer than [`Limits::request_time`].
async fn time_limit(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let limit = app.limits.request_time;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::timeout(limit).into_response(),
    }
}
