//! Every parser of untrusted input fed arbitrary bytes and arbitrary token sequences, with the
//! checks of `untrusted/mod.rs` (the same entry points and checks the fuzz targets in `fuzz/`
//! run for minutes; here a few hundred cases each, in seconds), and every input the fuzzers
//! found a failure with, kept as a regression test (`tests/fuzz_regressions/TARGET/*`).

use crate::untrusted;

use proptest::prelude::*;

/// Pieces the expression language is made of, and some it is not.
const EXPR_TOKENS: &[&str] = &[
    "x", "y", "w", "h", "θ", "_a1", "exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt",
    "abs", "max", "min", "tahn", "0", "1", "2.5", "0.5", "1e308", "1e-320", "9e999", "3e", "1.",
    ".5", "+", "-", "*", "/", "^", "(", ")", ",", ";", "=", " ", "\n", "−", "#", "@", "\u{0}", "é",
];

/// Pieces of CSV files.
const CSV_TOKENS: &[&str] = &[
    "1", "-2.5", "1e3", "nan", "inf", "x", "y", "a", "", ",", ";", "\t", " ", "\n", "\r\n", "\"",
    "\"1\"", "\u{feff}", "\u{0}", "1e999",
];

/// Pieces of requests: first byte (method and headers), targets, bodies.
const REQUEST_TOKENS: &[&str] = &[
    "\u{1}",
    "\u{9}",
    "\u{19}",
    "\u{2}",
    "\u{12}",
    "\u{0}",
    "/api/train",
    "/api/train/$ID",
    "/step",
    "/start",
    "/pause",
    "/jump",
    "?steps=",
    "?since=",
    "3",
    "0",
    "-1",
    "18446744073709551616",
    "/api/expr",
    "/api/parse",
    "/api/limits",
    "/",
    "%",
    "%ff",
    "%2F",
    "\n",
    "{",
    "}",
    "\"expr\":",
    "\"x*y\"",
    "\"at\":",
    "{\"x\":1,\"y\":2}",
    "\"hessian\":true",
    "\"hidden\":",
    "[16,16,16,16,16,16]",
    "[0]",
    "\"points\":",
    "4",
    "1e9",
    ",",
    "null",
    "\"dataset\":\"moons\"",
    "\"batch\":4",
    "\"rate\":5",
    "\"lr\":1e-300",
];

fn tokens(table: &'static [&'static str], most: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(table), 0..most)
        .prop_map(|t| t.concat().into_bytes())
}

fn bytes(most: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..most)
}

/// A safetensors file whose header is built from arbitrary entries: a dtype (known or not), a
/// shape (small, huge or overflowing), data offsets (fitting, truncated, overlapping, outside
/// the file) and some data.
fn safetensors_file() -> impl Strategy<Value = Vec<u8>> {
    let dtype = prop::sample::select(&["F64", "F32", "F16", "BF16", "I32", "F4", "BOOL", "X"][..]);
    let dim = prop_oneof![0u64..4, Just(1_000_000), Just(1 << 40), Just(u64::MAX)];
    let entry = (
        prop::sample::select(
            &[
                "layers.0.weight",
                "layers.0.bias",
                "layers.1.weight",
                "layers.1.bias",
                "z",
            ][..],
        ),
        dtype,
        prop::collection::vec(dim, 0..3),
        0u64..48,
        0u64..48,
    );
    (prop::collection::vec(entry, 0..6), 0usize..64, any::<bool>()).prop_map(
        |(entries, data_len, lie)| {
            let header: serde_json::Map<String, serde_json::Value> = entries
                .into_iter()
                .map(|(name, dtype, shape, begin, end)| {
                    let value = serde_json::json!({"dtype": dtype, "shape": shape, "data_offsets": [begin, end]});
                    (name.to_string(), value)
                })
                .collect();
            let header = serde_json::Value::Object(header).to_string();
            let len = header.len() as u64 + u64::from(lie) * 7;
            let mut file = len.to_le_bytes().to_vec();
            file.extend_from_slice(header.as_bytes());
            file.extend((0..data_len).map(|i| i as u8));
            file
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn expr_bytes(data in bytes(200)) { untrusted::expr(&data) }

    #[test]
    fn expr_tokens(data in tokens(EXPR_TOKENS, 40)) { untrusted::expr(&data) }

    #[test]
    fn formula_tokens(data in tokens(EXPR_TOKENS, 30)) {
        // Two of the lines as formulas: "x=" and "y=" before the pieces.
        let mut text = data.clone();
        text.extend_from_slice(b"\nx=");
        text.extend_from_slice(&data);
        untrusted::formula(&text)
    }

    #[test]
    fn formula_bytes(data in bytes(120)) { untrusted::formula(&data) }

    #[test]
    fn csv_bytes(data in bytes(200)) { untrusted::csv(&data) }

    #[test]
    fn csv_tokens(choice in any::<u8>(), data in tokens(CSV_TOKENS, 60)) {
        untrusted::csv(&[&[choice][..], &data].concat())
    }

    #[test]
    fn safetensors_bytes(data in bytes(200)) { untrusted::safetensors(&data) }

    #[test]
    fn safetensors_headers(file in safetensors_file()) { untrusted::safetensors(&file) }

    #[test]
    fn request_tokens(data in tokens(REQUEST_TOKENS, 20)) { untrusted::request(&data) }

    #[test]
    fn request_bytes(data in bytes(100)) { untrusted::request(&data) }
}

/// Every file under `tests/fuzz_regressions/TARGET/` through the target's checks.
#[test]
fn fuzz_regressions() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    type Check = fn(&[u8]);
    let targets: [(&str, Check); 5] = [
        ("expr", untrusted::expr),
        ("formula", untrusted::formula),
        ("csv", untrusted::csv),
        ("safetensors", untrusted::safetensors),
        ("request", untrusted::request),
    ];
    for (name, check) in targets {
        let Ok(files) = std::fs::read_dir(dir.join(name)) else {
            continue;
        };
        for file in files {
            let path = file.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails again", path.display());
        }
    }
}
