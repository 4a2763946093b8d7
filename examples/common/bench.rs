//! What the `bench_*` examples share: argument parsing, the timing loop, peak memory and
//! the one-line JSON report, so every system is measured the same way.

use std::time::Instant;

#[path = "rss.rs"]
mod rss;
pub use rss::peak_rss_kb;

/// Timed repetitions per run; the median is reported.
pub const REPS: usize = 7;

/// The workload and size from `-- WORKLOAD N`, or a usage message (exit status 2).
pub fn args(program: &str) -> (String, usize) {
    let mut it = std::env::args().skip(1);
    let usage = || -> ! {
        eprintln!("usage: cargo run --release --example {program} -- chain|wide N");
        std::process::exit(2)
    };
    let workload = it.next().unwrap_or_else(|| usage());
    let n = match it.next().map(|s| s.replace('_', "").parse::<usize>()) {
        Some(Ok(n)) if n >= 1 => n,
        None => 1_000_000,
        _ => usage(),
    };
    if it.next().is_some() || !matches!(workload.as_str(), "chain" | "wide") {
        usage();
    }
    (workload, n)
}

/// Runs `reset` then `rep`, [`REPS`] times, timing only `rep`; returns the median in seconds
/// and the last `rep`'s result. `rep` does the timed step (forward and backward); `reset`
/// frees the previous repetition's nodes, keeping capacity.
pub fn median_of<R>(mut reset: impl FnMut(), mut rep: impl FnMut() -> R) -> (f64, R) {
    let mut times = Vec::with_capacity(REPS);
    let mut last = None;
    for _ in 0..REPS {
        reset();
        let t0 = Instant::now();
        let r = std::hint::black_box(rep());
        times.push(t0.elapsed().as_secs_f64());
        last = Some(r);
    }
    times.sort_by(f64::total_cmp);
    (times[REPS / 2], last.expect("REPS > 0"))
}

/// One benchmark result, printed as one JSON line.
pub struct Report<'a> {
    pub system: Option<&'a str>,
    pub workload: &'a str,
    pub n: usize,
    pub nodes: usize,
    pub median_s: f64,
    pub value: f64,
    pub grad: [f64; 3],
}

impl Report<'_> {
    /// Prints the JSON line on stdout, keys in the documented order.
    pub fn print(&self) {
        // serde_json writes the shortest round-trip form of a float (`null` if not finite).
        let num = |x: f64| serde_json::Value::from(x).to_string();
        let system = self
            .system
            .map(|s| format!("\"system\":{},", serde_json::Value::from(s)))
            .unwrap_or_default();
        let grad: Vec<String> = self.grad.iter().map(|&g| num(g)).collect();
        println!(
            "{{{system}\"workload\":{},\"n\":{},\"nodes\":{},\"reps\":{REPS},\"ns_per_node\":{},\
             \"median_s\":{},\"value\":{},\"grad\":[{}],\"peak_rss_kb\":{}}}",
            serde_json::Value::from(self.workload),
            self.n,
            self.nodes,
            num(self.median_s * 1e9 / self.nodes as f64),
            num(self.median_s),
            num(self.value),
            grad.join(","),
            peak_rss_kb(),
        );
    }
}

/// Independent check of a result: forward-mode derivatives for `chain` (plus the published
/// figures once N is large enough for the chain to have converged), the closed form for `wide`.
/// Returns a description of every mismatch (empty when all agree).
pub fn check(workload: &str, n: usize, value: f64, grad: [f64; 3]) -> Vec<String> {
    let mut bad = Vec::new();
    let mut expect = |what: &str, got: f64, want: f64, rel: f64| {
        let ok = (got - want).abs() <= rel * want.abs().max(f64::MIN_POSITIVE);
        if !ok {
            bad.push(format!("{what}: got {got:e}, expected {want:e}"));
        }
    };
    match workload {
        "chain" => {
            // Dual numbers: x and its tangents with respect to x0, a and b.
            let (a, b) = (0.9, 0.1);
            let (mut x, mut dx0, mut da, mut db) = (0.5_f64, 1.0, 0.0, 0.0);
            for _ in 0..n {
                let y = (x * a + b).tanh();
                let s = 1.0 - y * y;
                (dx0, da, db) = (s * a * dx0, s * (x + a * da), s * (1.0 + a * db));
                x = y;
            }
            expect("value", value, x, 1e-12);
            expect("d/dx0", grad[0], dx0, 1e-9);
            expect("d/da", grad[1], da, 1e-9);
            expect("d/db", grad[2], db, 1e-9);
            if n >= 1000 {
                expect("value (published)", value, 0.5015959675361122, 1e-12);
                expect("d/da (published)", grad[1], 1.1499715244795448, 1e-9);
                expect("d/db (published)", grad[2], 2.292625138372453, 1e-9);
            }
        }
        _ => {
            // y = Σ xᵢ² with xᵢ = i/n: ∂y/∂xᵢ = 2xᵢ; the sum in the same left-to-right order.
            let x = |i: usize| i as f64 / n as f64;
            let y = (1..n).fold(x(0) * x(0), |acc, i| acc + x(i) * x(i));
            expect("value", value, y, 1e-12);
            expect("d/dx0", grad[0], 2.0 * x(0), 1e-12);
            expect("d/dx1", grad[1], 2.0 * x(1.min(n - 1)), 1e-12);
            expect("d/dx_{n-1}", grad[2], 2.0 * x(n - 1), 1e-12);
        }
    }
    bad
}

/// Prints the check's verdict on stderr and exits with status 1 when it failed.
pub fn verify(workload: &str, n: usize, value: f64, grad: [f64; 3]) {
    let bad = check(workload, n, value, grad);
    if !bad.is_empty() {
        for b in &bad {
            eprintln!("warning: {workload} N={n}: {b}");
        }
        std::process::exit(1);
    }
}
