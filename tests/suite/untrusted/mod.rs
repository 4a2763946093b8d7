//! The entry points that read untrusted input, each driven by one byte string and checked for
//! what must hold whatever the bytes: an answer (a value or an error, never a panic), and the
//! invariants noted per function. The fuzz targets in `fuzz/` call the same functions, and so do
//! the property and regression tests of the normal suite (`tests/suite/untrusted_input.rs`).
#![allow(dead_code)] // each test file uses the functions it needs

use tapegrad::data::{CsvOptions, Target, read_csv};
use tapegrad::expr::Program;
use tapegrad::gradcheck::{ExpressionFormula, FormulaOptions, check_expression};
use tapegrad::io::{from_safetensors_bytes, read_safetensors};
use tapegrad::nn::Init;
use tapegrad::nn::scalar::{Activation, Mlp};
use tapegrad::nn::train::{MlpModel, Trainable};
use tapegrad::{Graph, Var};

/// The longest text fed to the expression language: the playground's cap.
pub const MAX_EXPR_CHARS: usize = 2000;

/// Input values, taken in turn by the inputs of a program: ordinary numbers and the edges of
/// domains (0 for log, sqrt and division, ties for max and min).
const VALUES: [f64; 6] = [0.5, -1.25, 2.0, 0.0, 3.0, 0.5];

/// The bytes as text of at most [`MAX_EXPR_CHARS`] characters, if they are UTF-8.
fn text(data: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(data).ok()?;
    (s.chars().count() <= MAX_EXPR_CHARS).then_some(s)
}

/// The expression language: lexes and parses the bytes; a program is printed back and parsed
/// again, evaluated on a graph and with plain numbers (the two agree), differentiated, and its
/// Hessian taken, which must be symmetric wherever it is finite.
pub fn expr(data: &[u8]) {
    let Some(src) = text(data) else { return };
    let Ok(program) = Program::parse(src) else {
        return;
    };
    let printed = program.to_string();
    let again = Program::parse(&printed)
        .unwrap_or_else(|e| panic!("{src:?} prints as {printed:?}, which does not parse: {e}"));
    assert_eq!(
        again.inputs(),
        program.inputs(),
        "{src:?} printed as {printed:?}"
    );

    let g = Graph::new();
    let names = program.inputs();
    let values: Vec<f64> = (0..names.len()).map(|i| VALUES[i % VALUES.len()]).collect();
    let vars: Vec<Var<'_>> = names
        .iter()
        .zip(&values)
        .map(|(n, &v)| g.var_named(n, v))
        .collect();
    let bindings: Vec<(&str, Var<'_>)> = names
        .iter()
        .map(String::as_str)
        .zip(vars.iter().copied())
        .collect();
    let y = program.eval(&g, &bindings).expect("every input is bound");
    let plain = program
        .eval_f64_values(&values)
        .expect("one value per input");
    assert!(
        y.value().to_bits() == plain.to_bits() || (y.value().is_nan() && plain.is_nan()),
        "{src:?}: the graph gives {} and plain numbers {plain}",
        y.value()
    );
    let grads = g.try_backward(y).expect("a fresh graph");
    let gradient = grads.wrt(&vars);
    let h = g.try_hessian(y, &vars).expect("a fresh graph");
    assert_eq!(h.len(), vars.len());
    // The two mixed partials add the same terms in different orders, so they differ by rounding
    // of the size of those terms, which can be far larger than the partials themselves: in
    // `r*b*b77^73*2*bnb/bb/b` the factor b cancels and ∂²f/∂b∂bnb is 0 exactly, yet one order
    // gives 524288 from terms of 1e23; in `7.1e19*b/7e7*c/b` every second derivative is 0 and
    // rounding of terms of 1e14 leaves 0.03. So symmetry is checked against the size of what the
    // partials are made of — the largest finite entry of H, of the gradient, and the value —
    // as numerical symmetry is checked norm-wise: |Hᵢⱼ − Hⱼᵢ| ≤ 1e-9 (1 + that size).
    let size = h
        .iter()
        .flatten()
        .chain(&gradient)
        .chain([&y.value()])
        .filter(|v| v.is_finite())
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    let scale = 1.0 + size;
    for (i, row) in h.iter().enumerate() {
        for (j, &a) in row.iter().enumerate().take(i) {
            let b = h[j][i];
            if a.is_finite() && b.is_finite() {
                assert!(
                    (a - b).abs() <= 1e-9 * scale,
                    "{src:?}: the Hessian is not symmetric at ({i}, {j}): {a} vs {b}"
                );
            }
        }
    }
}

/// `tapegrad check`'s formula path: the first line is the expression, every other line a
/// hand-derived partial `NAME=FORMULA`; the formulas are checked against the engine at a few
/// random points, as the command does, and the report is printed.
pub fn formula(data: &[u8]) {
    let Some(src) = text(data) else { return };
    let mut lines = src.lines();
    let Some(Ok(program)) = lines.next().map(Program::parse) else {
        return;
    };
    let mut formulas: Vec<(String, Program)> = Vec::new();
    for line in lines.take(4) {
        let Some((name, f)) = line.split_once('=') else {
            return;
        };
        let Ok(p) = Program::parse(f) else { return };
        formulas.push((name.trim().to_string(), p));
    }
    let mut names: Vec<String> = program.inputs().to_vec();
    for (name, _) in &formulas {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    let Ok(formulas) = formulas
        .into_iter()
        .map(|(name, p)| ExpressionFormula::new(&name, p, &names))
        .collect::<Result<Vec<_>, _>>()
    else {
        return;
    };
    let options = FormulaOptions::default().samples(3).seed(data.len() as u64);
    let report = check_expression(&program, &names, &formulas, &[], &options);
    if let Ok(report) = report {
        let _ = report.to_string();
        assert_eq!(report.points, 3);
    }
}

/// The CSV loader: the first byte chooses the options (header, target, delimiter), the rest is
/// the file. A data set read has only finite numbers, as many targets as rows.
pub fn csv(data: &[u8]) {
    let Some((&choice, file)) = data.split_first() else {
        return;
    };
    let target = match (choice >> 1) & 3 {
        0 => Target::Last,
        1 => Target::Column(usize::from(choice >> 5)),
        2 => Target::Named("y".into()),
        _ => Target::Column(usize::MAX),
    };
    let options = CsvOptions {
        header: choice & 1 == 1,
        target,
        delimiter: [b',', b';', b'\t', b' '][usize::from(choice >> 3) & 3],
    };
    if let Ok(ds) = read_csv(file, &options) {
        assert_eq!(ds.rows().count(), ds.targets().len());
        assert!(ds.n_features() >= 1);
        assert!(
            ds.rows()
                .flatten()
                .chain(ds.targets())
                .all(|v| v.is_finite())
        );
    }
}

/// The safetensors loader: the bytes as a file, read tensor by tensor and loaded into a small
/// model of each element type. Values read fit their shape; a model that loads holds exactly the
/// file's values; a model that does not is unchanged.
pub fn safetensors(data: &[u8]) {
    if let Ok(tensors) = read_safetensors(data) {
        for t in &tensors {
            assert_eq!(
                t.values.len(),
                t.shape.iter().product::<usize>(),
                "{}",
                t.name
            );
        }
    }
    load::<f64>(data);
    load::<f32>(data);
}

fn load<T: tapegrad::Float>(data: &[u8]) {
    let g = Graph::<T>::default();
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0);
    let mlp = Mlp::new(
        &g,
        &[2, 2, 1],
        Activation::Tanh,
        Activation::Linear,
        Init::PyTorch,
        &mut rng,
    );
    let mut model = MlpModel::new(mlp);
    let before: Vec<u64> = model
        .flat_values()
        .iter()
        .map(|v| v.to_f64().to_bits())
        .collect();
    let mut after: Vec<(String, Vec<f64>)> = Vec::new();
    let loaded = from_safetensors_bytes(&mut model, data);
    model.read_params(&mut |info, v| {
        after.push((info.name.clone(), v.iter().map(|x| x.to_f64()).collect()));
    });
    match loaded {
        Ok(()) => {
            let file = read_safetensors(data).expect("a file that loads can be read");
            assert_eq!(file.len(), after.len());
            for (name, values) in &after {
                let t = file
                    .iter()
                    .find(|t| &t.name == name)
                    .expect("every tensor in the file");
                let bits = |xs: &[f64]| xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&t.values), bits(values), "{name}");
            }
        }
        Err(_) => {
            let now: Vec<u64> = after
                .iter()
                .flat_map(|(_, v)| v.iter().map(|x| x.to_bits()))
                .collect();
            assert_eq!(before, now, "a failed load changed the model");
        }
    }
}

std::thread_local! {
    /// One playground per thread for [`request`]: training sessions stop by themselves after a
    /// few steps, slowly, so that sessions a fuzzer starts do not take the machine.
    static PLAYGROUND: tapegrad::serve::probe::Probe = tapegrad::serve::probe::Probe::new(
        tapegrad::serve::Limits {
            max_rate: 20,
            max_steps: 100,
            request_time: std::time::Duration::from_secs(2),
            ..tapegrad::serve::Limits::default()
        },
    );
    /// The id of the session the last `POST /api/train` opened, for `$ID` in a target.
    static LAST_ID: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The playground server's request decoding: the first byte chooses the method and headers
/// (JSON or not, the page's own `Origin` and `Sec-Fetch-Site` or none), the text up to the first
/// newline is the target (path and query; `$ID` stands for the last session opened), the rest
/// is the body. Every answer is a status below 500, and every error is a JSON `{"error": …}`.
pub fn request(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let method = [
        "GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD", "BREW",
    ][usize::from(choice & 7)];
    let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let Ok(target) = std::str::from_utf8(&rest[..split]) else {
        return;
    };
    let target = target.replace("$ID", &LAST_ID.with(|id| id.borrow().clone()));
    let body = rest.get(split + 1..).unwrap_or_default().to_vec();
    let mut headers = vec![("host", "localhost:8000")];
    if choice & 8 != 0 {
        headers.push(("content-type", "application/json"));
    }
    if choice & 16 != 0 {
        headers.push(("origin", "http://localhost:8000"));
    }
    if choice & 32 != 0 {
        headers.push(("sec-fetch-site", "same-origin"));
    }
    let Ok((status, answer)) = PLAYGROUND.with(|p| p.answer(method, &target, &headers, body))
    else {
        return;
    };
    assert!(
        status < 500,
        "{method} {target}: status {status}: {}",
        String::from_utf8_lossy(&answer)
    );
    if status >= 400 && method != "HEAD" {
        let json: serde_json::Value = serde_json::from_slice(&answer).unwrap_or_else(|e| {
            panic!("{method} {target}: {status} with a body that is not JSON ({e})")
        });
        assert!(json["error"].is_string(), "{method} {target}: {json}");
    }
    if method == "POST" && target == "/api/train" && status == 200 {
        let json: serde_json::Value = serde_json::from_slice(&answer).expect("JSON");
        let id = json["id"].as_str().expect("a session id").to_string();
        LAST_ID.with(|last| *last.borrow_mut() = id);
    }
}
