use std::time::Instant;
use tapegrad::{Grads, Graph};
fn main() {
    let w = std::env::args().nth(1).unwrap();
    let n: usize = std::env::args().nth(2).unwrap().parse().unwrap();
    let g = Graph::new();
    let xs: Vec<_> = (0..n).map(|i| g.var(i as f64 / n as f64)).collect();
    let (x0, a, b) = (g.var(0.5), g.var(0.9), g.var(0.1));
    let mark = g.mark();
    let mut grads = Grads::new();
    let mut f = vec![]; let mut bw = vec![]; let mut rw = vec![];
    for _ in 0..9 {
        let t0 = Instant::now();
        let y = if w == "wide" {
            let mut y = xs[0] * xs[0];
            for &x in &xs[1..] { y += x * x; }
            y
        } else {
            let mut x = x0;
            for _ in 0..n { x = (x * a + b).tanh(); }
            x
        };
        let t1 = Instant::now();
        g.backward_into(y, &mut grads).unwrap();
        let t2 = Instant::now();
        std::hint::black_box(grads[xs[1]]);
        g.rewind(mark);
        let t3 = Instant::now();
        f.push((t1-t0).as_secs_f64()); bw.push((t2-t1).as_secs_f64()); rw.push((t3-t2).as_secs_f64());
    }
    for v in [&mut f, &mut bw, &mut rw] { v.sort_by(f64::total_cmp); }
    let nodes = if w == "wide" { 2 * n } else { 3 * n } as f64;
    println!("{w}: fwd {:.2} bwd {:.2} rewind {:.2} ns/node", f[4]*1e9/nodes, bw[4]*1e9/nodes, rw[4]*1e9/nodes);
}
