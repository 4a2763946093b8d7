//! A layered (Sugiyama-style) layout for a graph recorded in topological order, left to right.
//!
//! 1. Layers: a computed node sits one layer after its deepest input; a leaf sits just before
//!    its first reader (so a bias added late is drawn next to its `+`, not at the far left).
//!    An edge that spans several layers gets a chain of invisible waypoints, one per layer it
//!    crosses, so it is routed between the boxes instead of under them (within a budget of
//!    waypoints linear in the graph's size; edges beyond it are drawn straight).
//! 2. Order within a layer: a few sweeps sorting each layer by the mean position of its
//!    neighbours in the layers already placed (the barycenter heuristic), to untangle edges.
//! 3. Vertical positions: each node wants the mean height of its neighbours; the closest
//!    positions that keep the layer's order and spacing are found exactly by isotonic
//!    regression (pool adjacent violators), layer by layer, alternating directions.
//!
//! Every step is a loop over the nodes and edges, O((n + e) log n) in all: no recursion, and
//! a 10,000-node graph lays out in milliseconds.

/// Horizontal space between layers.
const GAP_X: f64 = 56.0;
/// Vertical space between boxes in a layer.
const GAP_Y: f64 = 14.0;
/// Space around the picture.
pub(crate) const MARGIN: f64 = 16.0;
/// Barycenter sweeps (each one down and one up).
const ORDER_SWEEPS: usize = 4;
/// Positioning sweeps (each one down and one up).
const PLACE_SWEEPS: usize = 4;
/// Waypoints allowed per real node.
const WAYPOINTS_PER_NODE: usize = 3;

/// Where each node's box goes (top-left corners), the size of the whole picture, and for each
/// operand edge `routes[i][slot]` the points it passes on its way (empty: a direct curve).
pub(crate) struct Placement {
    pub(crate) x: Vec<f64>,
    pub(crate) y: Vec<f64>,
    pub(crate) width: f64,
    pub(crate) height: f64,
    pub(crate) routes: Vec<Vec<Vec<(f64, f64)>>>,
}

/// Lays out boxes of the given widths and common height; `inputs[i]` are node i's operands,
/// all smaller than i.
pub(crate) fn layout(inputs: &[Vec<usize>], widths: &[f64], height: f64) -> Placement {
    let n = inputs.len();
    if n == 0 {
        return Placement {
            x: Vec::new(),
            y: Vec::new(),
            width: 2.0 * MARGIN,
            height: 2.0 * MARGIN,
            routes: Vec::new(),
        };
    }
    let mut layer = layers(inputs, &readers(inputs));

    // Waypoints: nodes n.. are invisible, one per layer a long edge crosses.
    let mut ins: Vec<Vec<usize>> = inputs.to_vec();
    let mut chains: Vec<Vec<Vec<usize>>> =
        inputs.iter().map(|v| vec![Vec::new(); v.len()]).collect();
    let mut budget = WAYPOINTS_PER_NODE * n;
    for i in 0..n {
        for slot in 0..inputs[i].len() {
            let a = inputs[i][slot];
            let span = layer[i] - layer[a];
            if span < 2 || span - 1 > budget {
                continue;
            }
            budget -= span - 1;
            let mut prev = a;
            for l in layer[a] + 1..layer[i] {
                let d = ins.len();
                ins.push(vec![prev]);
                layer.push(l);
                chains[i][slot].push(d);
                prev = d;
            }
            ins[i][slot] = prev;
        }
    }
    let total = ins.len();
    let outs = readers(&ins);
    let size = |i: usize| if i < n { height } else { 0.0 };

    let depth = layer.iter().max().map_or(1, |&l| l + 1);
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (i, &l) in layer.iter().enumerate() {
        rows[l].push(i);
    }

    // 2. Order: c[i] is the node's centred position in its layer, in units of rows.
    let mut c = vec![0.0; total];
    let centre = |row: &[usize], c: &mut [f64]| {
        let mid = (row.len() as f64 - 1.0) / 2.0;
        for (k, &i) in row.iter().enumerate() {
            c[i] = k as f64 - mid;
        }
    };
    for row in &rows {
        centre(row, &mut c);
    }
    for _ in 0..ORDER_SWEEPS {
        for (down, l) in (1..depth)
            .map(|l| (true, l))
            .chain((0..depth.saturating_sub(1)).rev().map(|l| (false, l)))
        {
            let adj = if down { &ins } else { &outs };
            let mut keyed: Vec<(f64, usize)> = rows[l]
                .iter()
                .map(|&i| (mean(&adj[i], &c).unwrap_or(c[i]), i))
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            rows[l] = keyed.into_iter().map(|(_, i)| i).collect();
            centre(&rows[l], &mut c);
        }
    }

    // 3. Heights of the centres: start packed, then pull towards neighbours.
    let mut y: Vec<f64> = c.iter().map(|&ci| ci * (height + GAP_Y)).collect();
    for sweep in 0..2 * PLACE_SWEEPS + 1 {
        let down = sweep % 2 == 0;
        let last = sweep == 2 * PLACE_SWEEPS;
        let order: Vec<usize> = if down {
            (0..depth).collect()
        } else {
            (0..depth).rev().collect()
        };
        for l in order {
            let desired: Vec<f64> = rows[l]
                .iter()
                .map(|&i| {
                    let m = if last {
                        mean2(&ins[i], &outs[i], &y)
                    } else if down {
                        mean(&ins[i], &y)
                    } else {
                        mean(&outs[i], &y)
                    };
                    m.unwrap_or(y[i])
                })
                .collect();
            let sizes: Vec<f64> = rows[l].iter().map(|&i| size(i)).collect();
            let placed = spaced_fit(&desired, &sizes, GAP_Y);
            for (&i, yi) in rows[l].iter().zip(placed) {
                y[i] = yi;
            }
        }
    }

    // Columns: each layer as wide as its widest box, boxes centred in it.
    let mut col_w = vec![0.0_f64; depth];
    for i in 0..n {
        col_w[layer[i]] = col_w[layer[i]].max(widths[i]);
    }
    let mut col_x = vec![MARGIN; depth];
    for l in 1..depth {
        col_x[l] = col_x[l - 1] + col_w[l - 1] + GAP_X;
    }
    let top = (0..total)
        .map(|i| y[i] - size(i) / 2.0)
        .fold(f64::INFINITY, f64::min);
    let bottom = (0..total)
        .map(|i| y[i] + size(i) / 2.0)
        .fold(f64::NEG_INFINITY, f64::max);
    let shift = MARGIN - top;
    let x: Vec<f64> = (0..n)
        .map(|i| col_x[layer[i]] + (col_w[layer[i]] - widths[i]) / 2.0)
        .collect();
    let routes = chains
        .iter()
        .map(|slots| {
            slots
                .iter()
                .map(|chain| {
                    let mut pts = Vec::with_capacity(2 * chain.len());
                    for &d in chain {
                        let (l, yd) = (layer[d], y[d] + shift);
                        pts.push((col_x[l], yd));
                        pts.push((col_x[l] + col_w[l], yd));
                    }
                    pts
                })
                .collect()
        })
        .collect();
    Placement {
        x,
        y: (0..n).map(|i| y[i] + shift - height / 2.0).collect(),
        width: col_x[depth - 1] + col_w[depth - 1] + MARGIN,
        height: bottom - top + 2.0 * MARGIN,
        routes,
    }
}

/// For each node, the nodes that read it (one entry per operand use).
fn readers(inputs: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut r = vec![Vec::new(); inputs.len()];
    for (i, ins) in inputs.iter().enumerate() {
        for &a in ins {
            r[a].push(i);
        }
    }
    r
}

/// Computed nodes one layer after their deepest input; leaves one layer before their first
/// reader (layer 0 if nothing reads them).
fn layers(inputs: &[Vec<usize>], readers: &[Vec<usize>]) -> Vec<usize> {
    let mut layer = vec![0usize; inputs.len()];
    for i in 0..inputs.len() {
        layer[i] = inputs[i].iter().map(|&a| layer[a] + 1).max().unwrap_or(0);
    }
    for i in 0..inputs.len() {
        if inputs[i].is_empty()
            && let Some(first) = readers[i].iter().map(|&r| layer[r]).min()
        {
            layer[i] = first - 1;
        }
    }
    layer
}

fn mean(of: &[usize], v: &[f64]) -> Option<f64> {
    if of.is_empty() {
        return None;
    }
    Some(of.iter().map(|&i| v[i]).sum::<f64>() / of.len() as f64)
}

fn mean2(a: &[usize], b: &[usize], v: &[f64]) -> Option<f64> {
    let n = a.len() + b.len();
    if n == 0 {
        return None;
    }
    Some(a.iter().chain(b).map(|&i| v[i]).sum::<f64>() / n as f64)
}

/// The centres closest (least squares) to `desired` that keep the order, with neighbours at
/// least `(size_k + size_k+1) / 2 + gap` apart: with z_k = y_k − offset_k the constraint is
/// z non-decreasing, an isotonic regression solved exactly by pooling adjacent violators.
fn spaced_fit(desired: &[f64], sizes: &[f64], gap: f64) -> Vec<f64> {
    let mut offset = Vec::with_capacity(desired.len());
    let mut acc = 0.0;
    for k in 0..desired.len() {
        if k > 0 {
            acc += (sizes[k - 1] + sizes[k]) / 2.0 + gap;
        }
        offset.push(acc);
    }
    // Blocks of pooled targets: (sum, count).
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(desired.len());
    for (d, o) in desired.iter().zip(&offset) {
        blocks.push((d - o, 1));
        while blocks.len() > 1 {
            let (s1, n1) = blocks[blocks.len() - 1];
            let (s0, n0) = blocks[blocks.len() - 2];
            if s0 / n0 as f64 <= s1 / n1 as f64 {
                break;
            }
            blocks.pop();
            *blocks.last_mut().expect("two blocks") = (s0 + s1, n0 + n1);
        }
    }
    let mut out = Vec::with_capacity(desired.len());
    for (s, cnt) in blocks {
        let z = s / cnt as f64;
        for _ in 0..cnt {
            out.push(z + offset[out.len()]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaced_fit_keeps_order_and_spacing() {
        let s = [8.0, 8.0];
        assert_eq!(spaced_fit(&[0.0, 100.0], &s, 2.0), vec![0.0, 100.0]);
        // Two boxes wanting the same spot share it: centred around it.
        assert_eq!(spaced_fit(&[50.0, 50.0], &s, 2.0), vec![45.0, 55.0]);
        // Order is kept even when the wishes are reversed.
        assert_eq!(spaced_fit(&[10.0, 0.0], &s, 2.0), vec![0.0, 10.0]);
        // A waypoint (size 0) needs only half a box plus the gap.
        assert_eq!(spaced_fit(&[0.0, 0.0], &[8.0, 0.0], 2.0), vec![-3.0, 3.0]);
    }

    #[test]
    fn leaves_sit_next_to_their_reader() {
        // x -> t1 -> t2 -> (+ b): b is read only by node 3 and goes to layer 2.
        let inputs = vec![vec![], vec![0], vec![1], vec![], vec![2, 3]];
        let r = readers(&inputs);
        assert_eq!(layers(&inputs, &r), vec![0, 1, 2, 2, 3]);
    }

    #[test]
    fn boxes_do_not_overlap() {
        // A diamond plus a wide fan-in.
        let mut inputs = vec![vec![], vec![0], vec![0], vec![1, 2]];
        for _ in 0..20 {
            inputs.push(vec![]);
        }
        inputs.push((3..24).collect());
        let widths = vec![80.0; inputs.len()];
        let p = layout(&inputs, &widths, 20.0);
        for i in 0..inputs.len() {
            for j in 0..i {
                let apart_x = p.x[i] + 80.0 <= p.x[j] || p.x[j] + 80.0 <= p.x[i];
                let apart_y = p.y[i] + 20.0 <= p.y[j] + 1e-9 || p.y[j] + 20.0 <= p.y[i] + 1e-9;
                assert!(apart_x || apart_y, "boxes {i} and {j} overlap");
            }
            assert!(p.x[i] >= MARGIN && p.y[i] >= MARGIN - 1e-9);
            assert!(p.x[i] + 80.0 <= p.width && p.y[i] + 20.0 <= p.height + 1e-9);
        }
    }
}
