//! The playground's classroom endpoints over HTTP: the backward sweep of one point's loss
//! through a live session's network (and one optimizer step on it), the network diagram, the
//! test loss and the per-layer gradient norms in a session's state.

use serde_json::{Value, json};
use tapegrad::serve::{Limits, run};

/// Starts a server on 127.0.0.1 and an ephemeral port; its base URL.
fn start() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            run(listener, Limits::default()).await.unwrap();
        });
    });
    format!("http://{addr}")
}

fn answer(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut response = response.expect("the server answers");
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_json().expect("a JSON body"),
    )
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn post(url: &str, body: Value) -> (u16, Value) {
    answer(agent().post(url).send_json(body))
}

fn get(url: &str) -> (u16, Value) {
    answer(agent().get(url).call())
}

/// A session's id as it goes into a path: the page treats ids as opaque.
fn id_of(session: &Value) -> String {
    match &session["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn assert_error((status, body): (u16, Value), want: u16, part: &str) {
    assert_eq!(status, want, "{body}");
    let message = body["error"].as_str().unwrap_or_default();
    assert!(
        message.contains(part),
        "{message:?} should contain {part:?}"
    );
}

#[test]
fn a_points_backward_sweep_is_the_engines_and_a_step_on_it_lowers_its_loss() {
    let base = start();
    let (status, session) = post(
        &format!("{base}/api/train"),
        json!({"hidden": [3], "lr": 0.5, "points": 40}),
    );
    assert_eq!(status, 200, "{session}");
    let url = format!("{base}/api/train/{}/backprop", id_of(&session));
    let (status, sweep) = post(&url, json!({"point": 5}));
    assert_eq!(status, 200, "{sweep}");
    assert_eq!(sweep["point"], 5);
    assert_eq!(sweep["step"], 0);
    let point = &session["points"][5];
    assert_eq!((&sweep["x"][0], &sweep["x"][1]), (&point[0], &point[1]));
    assert_eq!(sweep["label"], point[2]);
    // The loss's steps, then the output neuron, then the three hidden ones.
    let groups = sweep["groups"].as_array().unwrap();
    let layers: Vec<&Value> = groups.iter().map(|g| &g["layer"]).collect();
    assert_eq!(
        layers,
        [&Value::Null, &json!(1), &json!(0), &json!(0), &json!(0)]
    );
    // The point's loss is ℓ = softplus(z) − z·t with z the score; by hand from the score.
    let (z, t) = (sweep["score"].as_f64().unwrap(), point[2].as_f64().unwrap());
    let by_hand = z.max(0.0) - z * t + (-z.abs()).exp().ln_1p();
    assert!((sweep["loss"].as_f64().unwrap() - by_hand).abs() < 1e-12);
    // ∂ℓ/∂b of the output neuron is ∂ℓ/∂z = σ(z) − t.
    let out = &groups[1];
    let grad_of = |id: &Value| {
        sweep["trace"]["gradients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| &v["id"] == id)
            .unwrap()["grad"]
            .as_f64()
            .unwrap()
    };
    let sigma = 1.0 / (1.0 + (-z).exp());
    assert!((grad_of(&out["bias"]) - (sigma - t)).abs() < 1e-12);

    let (status, stepped) = post(&url, json!({"point": 5, "apply": true}));
    assert_eq!(status, 200, "{stepped}");
    assert_eq!(stepped["step"], 1);
    assert_eq!(stepped["loss_before"], sweep["loss"]);
    assert!(f(&stepped["loss"]) < f(&sweep["loss"]), "{stepped}");
    let (_, state) = get(&format!("{base}/api/train/{}", id_of(&session)));
    assert_eq!(state["step"], 1);
    assert_eq!(state["running"], false);
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn backprop_requests_are_checked() {
    let base = start();
    let (_, session) = post(&format!("{base}/api/train"), json!({"points": 10}));
    let url = format!("{base}/api/train/{}/backprop", id_of(&session));
    assert_error(post(&url, json!({"point": 10})), 400, "between 0 and 9");
    // A body that is not the request is refused as every endpoint refuses it (422).
    assert_error(post(&url, json!({"point": -1})), 422, "point");
    assert_error(
        post(&url, json!({"point": 0, "why": 1})),
        422,
        "unknown field",
    );
    assert_error(post(&url, json!({})), 422, "missing field `point`");
    assert_error(
        post(
            &format!("{base}/api/train/999999/backprop"),
            json!({"point": 0}),
        ),
        404,
        "no training session",
    );
}

#[test]
fn the_state_carries_the_diagram_the_test_loss_and_the_gradient_norms() {
    let base = start();
    let (_, session) = post(
        &format!("{base}/api/train"),
        json!({"hidden": [4, 3], "activation": "sigmoid"}),
    );
    let id = id_of(&session);
    let network = &session["network"];
    assert_eq!(network["size"], 16);
    let layers = network["layers"].as_array().unwrap();
    let widths: Vec<usize> = layers
        .iter()
        .map(|l| l["neurons"].as_array().unwrap().len())
        .collect();
    assert_eq!(widths, [4, 3, 1]);
    assert_eq!(layers[0]["activation"], "sigmoid");
    let first = &layers[1]["neurons"][2];
    assert_eq!(first["weights"].as_array().unwrap().len(), 4);
    assert_eq!(first["map"].as_array().unwrap().len(), 16 * 16);
    for p in layers[2]["neurons"][0]["map"].as_array().unwrap() {
        assert!(
            (0.0..=1.0).contains(&f(p)),
            "the output's map is a probability"
        );
    }

    let (status, _) = post(&format!("{base}/api/train/{id}/step?steps=3"), Value::Null);
    assert_eq!(status, 200);
    let (_, state) = get(&format!("{base}/api/train/{id}?since=0"));
    let history = &state["history"];
    assert_eq!(history["loss"].as_array().unwrap().len(), 4);
    assert_eq!(history["test_loss"].as_array().unwrap().len(), 4);
    let norms = history["grad_norms"].as_array().unwrap();
    assert_eq!(norms[0], Value::Null, "no step before the first");
    for row in &norms[1..] {
        let row = row.as_array().unwrap();
        assert_eq!(row.len(), 3, "one norm per layer");
        assert!(row.iter().all(|v| f(v) > 0.0));
    }
    assert_ne!(history["test_loss"][0], history["loss"][0]);
}
