//! The playground server's API, over HTTP against a server on an ephemeral localhost port:
//! every endpoint, every error (oversized body, too-deep expression, unknown data set, huge
//! network, …), the request time limit, idle sessions being closed, concurrent requests.

use std::time::Duration;

use serde_json::{Value, json};
use tapegrad::serve::{Limits, run};

/// Starts a server with `limits` on 127.0.0.1 and an ephemeral port; its base URL. The server
/// runs on a thread of its own until the test process ends.
fn start(limits: Limits) -> String {
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
            run(listener, limits).await.unwrap();
        });
    });
    format!("http://{addr}")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Status and JSON body of a response.
fn answer(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut response = response.expect("the server answers");
    let status = response.status().as_u16();
    let body = response.body_mut().read_json().expect("a JSON body");
    (status, body)
}

fn get(url: &str) -> (u16, Value) {
    answer(agent().get(url).call())
}

fn post(url: &str, body: Value) -> (u16, Value) {
    answer(agent().post(url).send_json(body))
}

fn post_empty(url: &str) -> (u16, Value) {
    answer(agent().post(url).send_empty())
}

fn delete(url: &str) -> (u16, Value) {
    answer(agent().delete(url).call())
}

/// Asserts a status and that the error message contains `part`.
fn assert_error((status, body): (u16, Value), want_status: u16, part: &str) {
    let message = body["error"].as_str().unwrap_or_default();
    assert_eq!(status, want_status, "{body}");
    assert!(
        message.contains(part),
        "{message:?} should contain {part:?}"
    );
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

#[test]
fn the_page_and_its_assets_are_served() {
    let base = start(Limits::default());
    for (path, kind, part) in [
        ("/", "text/html", "<script src=\"/app.js\""),
        ("/app.js", "text/javascript", "fetch(path"),
        ("/quiz.js", "text/javascript", "closeEnough"),
        ("/expr.js", "text/javascript", "/api/expr"),
        ("/network.js", "text/javascript", "/backprop"),
        ("/train.js", "text/javascript", "/api/train"),
        ("/style.css", "text/css", "#graph"),
    ] {
        let mut response = agent().get(&format!("{base}{path}")).call().unwrap();
        assert_eq!(response.status(), 200);
        let headers = response.headers();
        assert!(headers["content-type"].to_str().unwrap().starts_with(kind));
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'")
        );
        let text = response.body_mut().read_to_string().unwrap();
        assert!(text.contains(part), "{path}");
        // Offline: nothing is fetched from elsewhere.
        assert!(
            !text.contains("http://") && !text.contains("https://"),
            "{path}"
        );
    }
    assert_error(
        get(&format!("{base}/nope")),
        404,
        "no such page or endpoint: GET /nope",
    );
}

#[test]
fn only_requests_for_a_local_host_are_answered() {
    use std::io::{Read, Write};
    let base = start(Limits::default());
    let addr = base.trim_start_matches("http://");
    // A page elsewhere whose name points at 127.0.0.1 sends its own name as Host.
    for (host, status) in [
        ("evil.example", "403"),
        ("localhost:8000", "200"),
        (addr, "200"),
    ] {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET /api/limits HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        assert!(
            reply.starts_with(&format!("HTTP/1.1 {status}")),
            "{host}: {reply}"
        );
        if status == "403" {
            assert!(
                reply.contains("answers requests for localhost only, not for host 'evil.example'")
            );
        }
    }
}

#[test]
fn limits_are_reported() {
    let base = start(Limits::default());
    let (status, limits) = get(&format!("{base}/api/limits"));
    assert_eq!(status, 200);
    let d = Limits::default();
    assert_eq!(limits["max_body_bytes"], d.max_body_bytes);
    assert_eq!(limits["max_expr_depth"], d.max_expr_depth);
    assert_eq!(limits["max_width"], d.max_width);
    assert_eq!(limits["max_steps"], d.max_steps);
    assert_eq!(f(&limits["session_idle"]), d.session_idle.as_secs_f64());
}

#[test]
fn parse_lists_inputs_and_points_at_errors() {
    let base = start(Limits::default());
    let url = format!("{base}/api/parse");
    let (status, p) = post(&url, json!({"expr": "h = tanh(w*x + b);  h*h"}));
    assert_eq!(status, 200);
    assert_eq!(
        p,
        json!({"program": "h = tanh(w * x + b); h * h", "inputs": ["w", "x", "b"]})
    );

    let (status, e) = post(&url, json!({"expr": "1 + 2*tahn(x)"}));
    assert_eq!(status, 400);
    assert_eq!(
        e,
        json!({
            "error": "error at 1:7: unknown function 'tahn' (did you mean 'tanh'?)",
            "line": 1, "col": 7,
            "message": "unknown function 'tahn' (did you mean 'tanh'?)",
        })
    );
}

#[test]
fn expr_gives_the_gradient_hessian_picture_and_trace() {
    let base = start(Limits::default());
    let (w, x, b): (f64, f64, f64) = (0.8, 1.5, -0.4);
    let (status, r) = post(
        &format!("{base}/api/expr"),
        json!({"expr": "tanh(w*x + b)", "at": {"b": b, "w": w, "x": x}, "hessian": true}),
    );
    assert_eq!(status, 200, "{r}");
    // y = tanh(u), u = w·x + b: ∂y/∂u = 1 − y² =: s, ∂²y/∂u² = −2y·s =: c.
    // ∇y = s·(x, w, 1); H = c·(x, w, 1)ᵀ(x, w, 1) plus s at (w, x) and (x, w) from ∂u/∂w∂x = 1.
    let y = (w * x + b).tanh();
    let (s, c) = (1.0 - y * y, -2.0 * y * (1.0 - y * y));
    let d = [x, w, 1.0];
    assert_eq!(r["vars"], json!(["w", "x", "b"]));
    assert_eq!(f(&r["value"]), y);
    for (i, g) in r["grad"].as_array().unwrap().iter().enumerate() {
        assert!(
            (f(g) - s * d[i]).abs() < 1e-15,
            "∂y/∂{i}: {g} vs {}",
            s * d[i]
        );
    }
    for (i, row) in r["hessian"].as_array().unwrap().iter().enumerate() {
        for (j, h) in row.as_array().unwrap().iter().enumerate() {
            let want = c * d[i] * d[j] + if i + j == 1 { s } else { 0.0 };
            assert!((f(h) - want).abs() < 1e-14, "H[{i}][{j}]: {h} vs {want}");
        }
    }
    // The picture: one box per node, the output n5 fed by n4, ids shared with the trace.
    let svg = r["svg"].as_str().unwrap();
    roxmltree::Document::parse(svg).expect("well-formed SVG");
    assert_eq!(svg.matches("class=\"node\"").count(), 6);
    assert!(svg.contains("data-from=\"n4\" data-to=\"n5\""));
    assert_eq!(svg.matches("class=\"grad\"").count(), 6);
    let trace = &r["trace"];
    assert_eq!(trace["loss"], "n5");
    let steps = trace["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0]["node"], "n5");
    // The gradients the sweep ends with are the answer's.
    for (g, want) in trace["gradients"]
        .as_array()
        .unwrap()
        .iter()
        .zip(r["grad"].as_array().unwrap())
    {
        assert_eq!(&g["grad"], want);
    }

    // Without "hessian" there is none; non-finite numbers are strings.
    let (_, r) = post(
        &format!("{base}/api/expr"),
        json!({"expr": "log(x)", "at": {"x": 0}}),
    );
    assert_eq!(
        (r["value"].clone(), r["grad"].clone()),
        (json!("-inf"), json!(["inf"]))
    );
    assert!(r.get("hessian").is_none());
}

#[test]
fn expr_errors() {
    let base = start(Limits::default());
    let url = format!("{base}/api/expr");
    let e = post(&url, json!({"expr": "w*x", "at": {"w": 1}}));
    assert_eq!(
        (e.1["line"].clone(), e.1["col"].clone()),
        (json!(1), json!(3))
    );
    assert_error(e, 400, "'x' has no value");
    assert_error(
        post(&url, json!({"expr": "w*x", "at": {"w": 1, "x": 2, "z": 3}})),
        400,
        "'z' is not an input of the expression (its inputs: w, x)",
    );
    assert_error(
        post(&url, json!({"expr": "x".repeat(2001)})),
        400,
        "the expression has 2001 characters, more than the limit of 2000",
    );
    let deep = format!("{}x{}", "sin(".repeat(61), ")".repeat(61));
    assert_error(
        post(&url, json!({"expr": deep, "at": {"x": 1}})),
        400,
        "the expression is 61 operations deep, more than the limit of 60",
    );
    // A balanced tree of sums is shallow (depth 9) but records 256 + 255 + 1 nodes.
    let mut terms = vec!["x*x".to_string(); 256];
    while terms.len() > 1 {
        terms = terms
            .chunks(2)
            .map(|p| format!("({}+{})", p[0], p[1]))
            .collect();
    }
    assert_error(
        post(&url, json!({"expr": terms[0], "at": {"x": 1}})),
        400,
        "the expression records 512 nodes, more than the limit of 500",
    );
    assert_error(post(&url, json!({"exp": "x"})), 422, "unknown field `exp`");
    assert_error(post(&url, json!({"expr": 3})), 422, "expr");
    let not_json = agent()
        .post(&url)
        .header("content-type", "application/json")
        .send("{");
    assert_eq!(answer(not_json).0, 400);
    let no_type = agent().post(&url).send("{\"expr\": \"x\"}");
    assert_error(answer(no_type), 415, "Content-Type: application/json");
    let huge = json!({"expr": "x", "at": {"x": 1}, "pad": "p".repeat(20_000)});
    assert_error(
        post(&url, huge),
        413,
        "larger than the limit of 16384 bytes",
    );
}

/// Polls session `id` until `done` says so (at most 20 s); the last state.
fn poll_until(base: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..400 {
        let (status, state) = get(&format!("{base}/api/train/{id}"));
        assert_eq!(status, 200, "{state}");
        if done(&state) {
            return state;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("session {id} never got there");
}

#[test]
fn a_training_session_steps_runs_pauses_and_closes() {
    let base = start(Limits::default());
    let (status, s) = post(
        &format!("{base}/api/train"),
        json!({"dataset": "circles", "points": 100, "hidden": [5], "optimizer": "adam", "lr": 0.05,
               "batch": 100, "l2": 0.001, "rate": 1000}),
    );
    assert_eq!(status, 200, "{s}");
    let id = s["id"].as_str().unwrap().to_string();
    // 2 → 5 → 1: (2 + 1)·5 + (5 + 1)·1 = 21 parameters.
    assert_eq!(s["parameters"], 21);
    assert_eq!(s["model"], "Mlp 2 → 5 (tanh) → 1 (linear), 21 parameters");
    assert_eq!(s["points"].as_array().unwrap().len(), 100);
    assert_eq!(s["config"]["noise"], 0.05); // the data set's default, filled in
    assert_eq!(
        (s["step"].clone(), s["running"].clone()),
        (json!(0), json!(false))
    );
    assert_eq!(s["heatmap"]["p"].as_array().unwrap().len(), 40 * 40);
    let [x0, x1, y0, y1] = [0, 1, 2, 3].map(|i| f(&s["bounds"][i]));
    assert!(
        x0 < -1.0 && x1 > 1.0 && y0 < -1.0 && y1 > 1.0,
        "the rings fit in {:?}",
        s["bounds"]
    );
    let first = f(&s["loss"]);
    assert_eq!(s["history"]["loss"], json!([first]));

    // Ten steps: the full-batch loss history grows by ten and falls.
    let (status, s) = post_empty(&format!("{base}/api/train/{id}/step?steps=10"));
    assert_eq!((status, s["step"].clone()), (200, json!(10)), "{s}");
    let (_, s) = get(&format!("{base}/api/train/{id}?since=0"));
    let history: Vec<f64> = s["history"]["loss"]
        .as_array()
        .unwrap()
        .iter()
        .map(f)
        .collect();
    assert_eq!(history.len(), 11);
    assert!(history[10] < history[0], "{history:?}");
    assert_eq!(f(&s["loss"]), history[10]);
    let (_, tail) = get(&format!("{base}/api/train/{id}?since=8"));
    assert_eq!(tail["history"]["since"], 8);
    assert_eq!(tail["history"]["loss"].as_array().unwrap().len(), 3);

    // Start: it runs by itself; pause: it stops and stays stopped.
    let (_, s) = post_empty(&format!("{base}/api/train/{id}/start"));
    assert_eq!(s["running"], true);
    poll_until(&base, &id, |s| s["step"].as_u64().unwrap() > 40);
    let (_, paused) = post_empty(&format!("{base}/api/train/{id}/pause"));
    assert_eq!(paused["running"], false);
    std::thread::sleep(Duration::from_millis(100));
    let (_, later) = get(&format!("{base}/api/train/{id}"));
    assert_eq!(later["step"], paused["step"]);
    assert!(f(&later["accuracy"]) > 0.5);

    let (status, closed) = delete(&format!("{base}/api/train/{id}"));
    assert_eq!((status, closed), (200, json!({"closed": id})));
    assert_error(
        get(&format!("{base}/api/train/{id}")),
        404,
        &format!("no training session {id}"),
    );
}

#[test]
fn a_session_stops_at_the_step_limit() {
    let base = start(Limits {
        max_steps: 30,
        ..Limits::default()
    });
    let (_, s) = post(
        &format!("{base}/api/train"),
        json!({"rate": 1000, "hidden": [2]}),
    );
    let id = s["id"].as_str().unwrap().to_string();
    post_empty(&format!("{base}/api/train/{id}/start"));
    let s = poll_until(&base, &id, |s| s["done"] == true);
    assert_eq!(
        (s["step"].clone(), s["running"].clone()),
        (json!(30), json!(false))
    );
    let (_, s) = post_empty(&format!("{base}/api/train/{id}/step"));
    assert_eq!(s["step"], 30);
}

#[test]
fn training_errors() {
    let limits = Limits {
        max_sessions: 1,
        ..Limits::default()
    };
    let base = start(limits);
    let url = format!("{base}/api/train");
    assert_error(
        post(&url, json!({"dataset": "spirals"})),
        400,
        "unknown data set 'spirals'; choose one of xor, moons, circles, linear",
    );
    assert_error(
        post(&url, json!({"hidden": [1000]})),
        400,
        "a hidden layer of 1000 neurons: widths must be between 1 and 16",
    );
    assert_error(
        post(&url, json!({"hidden": [8, 8, 8, 8, 8, 8, 8]})),
        400,
        "the network has 7 hidden layers, more than the limit of 6",
    );
    assert_error(
        post(&url, json!({"activation": "gelu"})),
        400,
        "unknown activation 'gelu'",
    );
    assert_error(
        post(&url, json!({"optimizer": "lbfgs"})),
        400,
        "unknown optimizer 'lbfgs'",
    );
    assert_error(post(&url, json!({"lr": 100})), 400, "lr must be between");
    assert_error(
        post(&url, json!({"points": 5000})),
        400,
        "points must be between 4 and 1000",
    );
    assert_error(
        post(&url, json!({"batch": 0})),
        400,
        "batch must be between 1 and the number of points",
    );
    assert_error(
        post(&url, json!({"rate": 5000})),
        400,
        "rate must be between 1 and 1000",
    );
    assert_error(
        post(&url, json!({"hiden": [2]})),
        422,
        "unknown field `hiden`",
    );

    let (status, s) = post(&url, json!({}));
    assert_eq!(status, 200);
    let id = s["id"].as_str().unwrap().to_string();
    assert_error(
        post(&url, json!({})),
        429,
        "1 training sessions are open, the limit",
    );
    assert_error(
        post_empty(&format!("{base}/api/train/{id}/jump")),
        404,
        "unknown action 'jump'",
    );
    assert_error(
        post_empty(&format!("{base}/api/train/{id}/step?steps=0")),
        400,
        "steps must be between 1 and 1000",
    );
    assert_error(
        get(&format!("{base}/api/train/abc")),
        404,
        "no training session abc",
    );
    let other = format!("{}{}", &id[..16], "0000000000000002");
    assert_error(
        get(&format!("{base}/api/train/{other}")),
        404,
        "no training session",
    );
    assert_error(
        delete(&format!("{base}/api/train/{other}")),
        404,
        "no training session",
    );
}

#[test]
fn a_huge_network_is_refused_by_its_parameter_count() {
    let base = start(Limits {
        max_parameters: 100,
        ..Limits::default()
    });
    // 2 → 16 → 16 → 1: 48 + 272 + 17 = 337 parameters.
    assert_error(
        post(&format!("{base}/api/train"), json!({"hidden": [16, 16]})),
        400,
        "the network has 337 parameters, more than the limit of 100",
    );
}

#[test]
fn sessions_nobody_polls_are_closed() {
    let idle = Duration::from_millis(200);
    let base = start(Limits {
        session_idle: idle,
        ..Limits::default()
    });
    let (_, s) = post(&format!("{base}/api/train"), json!({}));
    let id = s["id"].as_str().unwrap().to_string();
    // Polled more often than the idle limit, the session stays…
    for _ in 0..6 {
        std::thread::sleep(idle / 4);
        assert_eq!(get(&format!("{base}/api/train/{id}")).0, 200);
    }
    // …left alone for five times the limit, it is gone.
    std::thread::sleep(5 * idle);
    assert_error(
        get(&format!("{base}/api/train/{id}")),
        404,
        "nobody polled it for 0.2 s",
    );
}

#[test]
fn a_request_over_the_time_limit_is_answered_with_an_error() {
    let limits = Limits {
        request_time: Duration::from_millis(5),
        max_body_bytes: 1 << 20,
        max_expr_chars: 100_000,
        max_expr_depth: 100_000,
        max_expr_nodes: 100_000,
        ..Limits::default()
    };
    let base = start(limits);
    // x0·x1 + x1·x2 + … over 600 inputs: its picture has 1800 boxes to lay out and its Hessian
    // takes 600 sweeps over the recorded gradient, far more work than 5 ms.
    let n = 600;
    let expr: Vec<String> = (1..n).map(|i| format!("x{}*x{i}", i - 1)).collect();
    let at: serde_json::Map<String, Value> =
        (0..n).map(|i| (format!("x{i}"), json!(1.0))).collect();
    assert_error(
        post(
            &format!("{base}/api/expr"),
            json!({"expr": expr.join(" + "), "at": at, "hessian": true}),
        ),
        503,
        "the request took longer than the limit of 0.005 s",
    );
}

#[test]
fn concurrent_requests_get_their_own_answers() {
    let base = start(Limits::default());
    let (_, s) = post(&format!("{base}/api/train"), json!({"rate": 1000}));
    let id = s["id"].as_str().unwrap().to_string();
    post_empty(&format!("{base}/api/train/{id}/start"));
    let workers: Vec<_> = (0..8)
        .map(|t| {
            let (base, id) = (base.clone(), id.clone());
            std::thread::spawn(move || {
                for k in 0..5 {
                    let x = f64::from(t * 5 + k) / 10.0;
                    let (status, r) = post(
                        &format!("{base}/api/expr"),
                        json!({"expr": "sin(x) * x", "at": {"x": x}}),
                    );
                    assert_eq!(status, 200, "{r}");
                    // d/dx x·sin x = sin x + x·cos x
                    let want = x.sin() + x * x.cos();
                    assert!((f(&r["grad"][0]) - want).abs() < 1e-14, "x = {x}");
                    assert_eq!(get(&format!("{base}/api/train/{id}")).0, 200);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    delete(&format!("{base}/api/train/{id}"));
}

/// Sends `request` as it is on a new connection and reads until the server closes it (at most
/// `wait`); what came back.
fn raw(base: &str, request: &str, wait: Duration) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = Vec::new();
    match stream.read_to_end(&mut reply) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the server did not close the connection within {wait:?}: {e}"),
    }
    String::from_utf8_lossy(&reply).into_owned()
}

/// The state of session `id`, as a page would poll it.
fn session(base: &str, id: &str) -> Value {
    let (status, s) = get(&format!("{base}/api/train/{id}"));
    assert_eq!(status, 200, "{s}");
    s
}

/// A request with extra headers, its status and JSON body.
fn send(method: &str, url: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    for &(k, v) in headers {
        request = request.header(k, v);
    }
    answer(agent().run(request.body(()).unwrap()))
}

#[test]
fn cross_site_requests_are_refused_and_change_nothing() {
    let base = start(Limits {
        max_sessions: 2,
        ..Limits::default()
    });
    let port = base.rsplit(':').next().unwrap().to_string();
    let (status, s) = post(&format!("{base}/api/train"), json!({"rate": 1000}));
    assert_eq!(status, 200, "{s}");
    let id = s["id"].as_str().unwrap().to_string();
    let other_port = format!("http://127.0.0.1:{}", port.parse::<u16>().unwrap() ^ 1);
    let https = format!("https://127.0.0.1:{port}");
    let marks: [&[(&str, &str)]; 7] = [
        &[("Origin", "http://evil.example")],
        &[("Origin", "null")],
        &[("Origin", &other_port)], // another port of the same host is another origin
        &[("Origin", &https)],
        &[("Sec-Fetch-Site", "cross-site")],
        &[("Sec-Fetch-Site", "same-site")],
        // A same-origin Origin does not excuse a browser's own word that it is cross-site.
        &[("Origin", &base), ("Sec-Fetch-Site", "cross-site")],
    ];
    for headers in marks {
        for (method, path) in [
            ("POST", format!("/api/train/{id}/step?steps=200")),
            ("POST", format!("/api/train/{id}/start")),
            ("DELETE", format!("/api/train/{id}")),
            ("POST", "/api/train".to_string()),
        ] {
            let (status, body) = send(method, &format!("{base}{path}"), headers);
            assert_eq!(status, 403, "{method} {path} {headers:?}: {body}");
            let message = body["error"].as_str().unwrap();
            assert!(
                message.starts_with("cross-site request refused"),
                "{message}"
            );
        }
    }
    // Nothing happened: the session is open, at step 0, not running; no session was opened
    // (one more fits under the limit of 2, then none).
    std::thread::sleep(Duration::from_millis(100));
    let s = session(&base, &id);
    assert_eq!(
        (s["step"].clone(), s["running"].clone()),
        (json!(0), json!(false))
    );
    assert_eq!(post(&format!("{base}/api/train"), json!({})).0, 200);
    assert_eq!(post(&format!("{base}/api/train"), json!({})).0, 429);

    // The page's own requests (same origin, as a browser marks them) are answered, by address
    // and by name; so are requests without a browser's marks (curl, scripts).
    let own = [("Origin", base.as_str()), ("Sec-Fetch-Site", "same-origin")];
    let (status, s) = send("POST", &format!("{base}/api/train/{id}/step?steps=3"), &own);
    assert_eq!((status, s["step"].clone()), (200, json!(3)), "{s}");
    let by_name = format!("http://localhost:{port}");
    let (status, s) = send(
        "POST",
        &format!("{by_name}/api/train/{id}/step?steps=2"),
        &[("Origin", &by_name)],
    );
    assert_eq!((status, s["step"].clone()), (200, json!(5)), "{s}");
    let (status, s) = post_empty(&format!("{base}/api/train/{id}/step"));
    assert_eq!((status, s["step"].clone()), (200, json!(6)), "{s}");
    let (status, s) = send("DELETE", &format!("{base}/api/train/{id}"), &own);
    assert_eq!((status, s), (200, json!({"closed": id})));
    // Reading is not refused: a cross-site page cannot read the answer anyway (no CORS).
    let (status, _) = send("GET", &format!("{base}/api/limits"), marks[0]);
    assert_eq!(status, 200);
}

#[test]
fn session_ids_are_random_and_never_reused() {
    let base = start(Limits::default());
    let mut seen = std::collections::HashSet::new();
    let mut randoms = std::collections::HashSet::new();
    for _ in 0..20 {
        let (status, s) = post(
            &format!("{base}/api/train"),
            json!({"points": 4, "batch": 4, "hidden": [1]}),
        );
        assert_eq!(status, 200, "{s}");
        let id = s["id"].as_str().unwrap().to_string();
        assert!(
            id.len() >= 16 && id.bytes().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
        assert!(
            randoms.insert(id[..16].to_string()),
            "the random part of {id} repeats"
        );
        assert!(seen.insert(id.clone()), "{id} was issued twice");
        assert_eq!(delete(&format!("{base}/api/train/{id}")).0, 200);
    }
    for id in &seen {
        assert_error(
            get(&format!("{base}/api/train/{id}")),
            404,
            "no training session",
        );
    }
}

#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let base = start(Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    });
    // Far longer than the timeout: `raw` panics if the server has not closed by then.
    let wait = Duration::from_secs(15);
    for partial in ["GET /api/limits HTTP/1.1\r\nHost: localhost\r\n", "G", ""] {
        let reply = raw(&base, partial, wait);
        assert!(
            reply.is_empty() || reply.starts_with("HTTP/1.1 408"),
            "{partial:?}: {reply}"
        );
    }
    // A client that completes its headers in time is answered.
    let reply = raw(
        &base,
        "GET /api/limits HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        wait,
    );
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("\"header_read_timeout\":0.3"), "{reply}");
}

#[test]
fn a_declared_body_over_the_cap_is_refused_at_once() {
    // The request time limit is far longer than the client waits: an answer within the wait is
    // the 413 before the body, not a timeout while waiting for it.
    let base = start(Limits {
        request_time: Duration::from_secs(60),
        ..Limits::default()
    });
    for path in ["/api/expr", "/api/train", "/api/train/x/step", "/nowhere"] {
        let reply = raw(
            &base,
            &format!(
                "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                 Content-Length: 1000000000\r\n\r\n{{\"expr\""
            ),
            Duration::from_secs(20),
        );
        assert!(reply.starts_with("HTTP/1.1 413"), "{path}: {reply}");
        assert!(
            reply.contains(
                r#"{"error":"the request body is 1000000000 bytes, larger than the limit of 16384 bytes"}"#
            ),
            "{reply}"
        );
    }
    // At the cap exactly, the body is read (and here found not to be JSON).
    let body = " ".repeat(16384);
    let reply = raw(
        &base,
        &format!(
            "POST /api/expr HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             Content-Length: 16384\r\nConnection: close\r\n\r\n{body}"
        ),
        Duration::from_secs(20),
    );
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
}

#[test]
fn the_host_header_is_parsed_strictly() {
    let base = start(Limits::default());
    let request = |hosts: &[&str]| {
        let lines: String = hosts.iter().map(|h| format!("Host: {h}\r\n")).collect();
        raw(
            &base,
            &format!("GET /api/limits HTTP/1.1\r\n{lines}Connection: close\r\n\r\n"),
            Duration::from_secs(20),
        )
    };
    for (hosts, status, part) in [
        (
            &["[::1]evil.example"][..],
            "400",
            "the Host header '[::1]evil.example' is not a host",
        ),
        (&["[::1]:80evil"], "400", "is not a host"),
        (&["localhost:80:80"], "400", "is not a host"),
        (&["evil.example@localhost"], "400", "is not a host"),
        (
            &["localhost", "localhost"],
            "400",
            "exactly one Host header",
        ),
        (
            &["localhost", "evil.example"],
            "400",
            "exactly one Host header",
        ),
        (&[], "400", "exactly one Host header"),
        (&["127.0.0.1.evil.example"], "403", "for localhost only"),
        (&["[::1]:8000"], "200", "max_body_bytes"),
        (&["LocalHost"], "200", "max_body_bytes"),
    ] {
        let reply = request(hosts);
        assert!(
            reply.starts_with(&format!("HTTP/1.1 {status}")),
            "{hosts:?}: {reply}"
        );
        assert!(reply.contains(part), "{hosts:?}: {reply}");
    }
    // A request in absolute form names the same host as its Host header.
    let reply = raw(
        &base,
        "GET http://evil.example/api/limits HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        Duration::from_secs(20),
    );
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(reply.contains("is for host 'evil.example'"), "{reply}");
}

#[test]
fn the_parameter_cap_is_the_largest_network_the_other_caps_allow() {
    let limits = Limits::default();
    assert_eq!(limits.max_parameters, limits.largest_network());
    let base = start(limits.clone());
    let (_, reported) = get(&format!("{base}/api/limits"));
    assert_eq!(reported["max_parameters"], 1425);
    // The largest network is accepted, with exactly the cap's parameters.
    let widest = vec![limits.max_width; limits.max_hidden_layers];
    let (status, s) = post(
        &format!("{base}/api/train"),
        json!({"hidden": widest, "points": 4, "batch": 4}),
    );
    assert_eq!((status, s["parameters"].clone()), (200, json!(1425)), "{s}");
    delete(&format!("{base}/api/train/{}", s["id"].as_str().unwrap()));
    // Other caps give another largest network.
    let small = Limits {
        max_hidden_layers: 2,
        max_width: 3,
        ..Limits::default()
    };
    assert_eq!(small.largest_network(), 9 + 12 + 4);
}
