//! The baseline for `bench_scalar`: a hand-written `Vec` tape, the simplest fast design.
//!
//! ```text
//! cargo run --release --example bench_vec_tape -- chain 1000000
//! cargo run --release --example bench_vec_tape -- wide 1000000
//! ```
//!
//! A node is its value, an op enum and two `u32` input indices (24 bytes); the tape is one
//! `Vec` of nodes, cleared (capacity kept) between repetitions, and backward is one reverse
//! loop over a dense `Vec` of adjoints. No arena, no keys, no checks: what `tapegrad`'s
//! versioned slotmap arena is measured against. Same workloads, same timing and the same JSON
//! line as `bench_scalar`, with `"system":"vec_tape"` added.

#[path = "common/bench.rs"]
mod bench;

#[derive(Clone, Copy)]
enum Op {
    Leaf,
    Add,
    Mul,
    Tanh,
}

#[derive(Clone, Copy)]
struct Node {
    value: f64,
    op: Op,
    a: u32,
    b: u32,
}

#[derive(Default)]
struct Tape {
    nodes: Vec<Node>,
    adj: Vec<f64>,
}

impl Tape {
    fn push(&mut self, op: Op, value: f64, a: u32, b: u32) -> u32 {
        self.nodes.push(Node { value, op, a, b });
        (self.nodes.len() - 1) as u32
    }
    fn leaf(&mut self, v: f64) -> u32 {
        self.push(Op::Leaf, v, 0, 0)
    }
    fn add(&mut self, a: u32, b: u32) -> u32 {
        let v = self.nodes[a as usize].value + self.nodes[b as usize].value;
        self.push(Op::Add, v, a, b)
    }
    fn mul(&mut self, a: u32, b: u32) -> u32 {
        let v = self.nodes[a as usize].value * self.nodes[b as usize].value;
        self.push(Op::Mul, v, a, b)
    }
    fn tanh(&mut self, a: u32) -> u32 {
        let v = self.nodes[a as usize].value.tanh();
        self.push(Op::Tanh, v, a, 0)
    }

    /// Frees every node after the first `len`, keeping capacity.
    fn truncate(&mut self, len: usize) {
        self.nodes.truncate(len);
    }

    /// ∂y/∂node for every node up to `y`, in `self.adj`.
    fn backward(&mut self, y: u32) {
        let y = y as usize;
        self.adj.clear();
        self.adj.resize(y + 1, 0.0);
        self.adj[y] = 1.0;
        for i in (0..=y).rev() {
            let g = self.adj[i];
            let n = self.nodes[i];
            let (a, b) = (n.a as usize, n.b as usize);
            match n.op {
                Op::Leaf => {}
                Op::Add => {
                    self.adj[a] += g;
                    self.adj[b] += g;
                }
                Op::Mul => {
                    self.adj[a] += g * self.nodes[b].value;
                    self.adj[b] += g * self.nodes[a].value;
                }
                Op::Tanh => self.adj[a] += g * (1.0 - n.value * n.value),
            }
        }
    }
}

fn main() {
    let (workload, n) = bench::args("bench_vec_tape");
    let (nodes, median_s, value, grad) = match workload.as_str() {
        "chain" => chain(n),
        _ => wide(n),
    };
    bench::Report {
        system: Some("vec_tape"),
        workload: &workload,
        n,
        nodes,
        median_s,
        value,
        grad,
    }
    .print();
    bench::verify(&workload, n, value, grad);
}

/// The chain's forward pass: `n` times x = tanh(x·a + b).
fn tanh_chain(t: &mut Tape, x0: u32, a: u32, b: u32, n: usize) -> u32 {
    let mut x = x0;
    for _ in 0..n {
        let xa = t.mul(x, a);
        let s = t.add(xa, b);
        x = t.tanh(s);
    }
    x
}

/// The wide sum's forward pass: x₀·x₀ + x₁·x₁ + …, added left to right.
fn sum_of_squares(t: &mut Tape, xs: &[u32]) -> u32 {
    let mut y = t.mul(xs[0], xs[0]);
    for &x in &xs[1..] {
        let xx = t.mul(x, x);
        y = t.add(y, xx);
    }
    y
}

fn chain(n: usize) -> (usize, f64, f64, [f64; 3]) {
    let mut t = Tape::default();
    let (x0, a, b) = (t.leaf(0.5), t.leaf(0.9), t.leaf(0.1));
    let leaves = t.nodes.len();
    let t = std::cell::RefCell::new(t);
    let (median_s, (value, grad)) = bench::median_of(
        || t.borrow_mut().truncate(leaves),
        || {
            let t = &mut *t.borrow_mut();
            let x = tanh_chain(t, x0, a, b, n);
            t.backward(x);
            let adj = |i: u32| t.adj[i as usize];
            (t.nodes[x as usize].value, [adj(x0), adj(a), adj(b)])
        },
    );
    (3 * n, median_s, value, grad)
}

fn wide(n: usize) -> (usize, f64, f64, [f64; 3]) {
    let mut t = Tape::default();
    let xs: Vec<u32> = (0..n).map(|i| t.leaf(i as f64 / n as f64)).collect();
    let leaves = t.nodes.len();
    let t = std::cell::RefCell::new(t);
    let (median_s, (value, grad)) = bench::median_of(
        || t.borrow_mut().truncate(leaves),
        || {
            let t = &mut *t.borrow_mut();
            let y = sum_of_squares(t, &xs);
            t.backward(y);
            let adj = |i: u32| t.adj[i as usize];
            let x1 = xs[1.min(n - 1)];
            (
                t.nodes[y as usize].value,
                [adj(xs[0]), adj(x1), adj(xs[n - 1])],
            )
        },
    );
    (2 * n - 1, median_s, value, grad)
}
