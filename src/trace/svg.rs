//! Drawing a laid-out picture as SVG: one `<rect class="shape">` per node, one path per edge
//! (its `data-from` and `data-to` name its ends, so a page can highlight it).

use std::fmt::{self, Write};

use super::layout::{MARGIN, layout};
use super::num::fmt_num;
use super::picture::{Kind, PicNode, colors, fields};

/// Font size, and the advance of one character of the monospace font at that size.
const FONT: f64 = 12.0;
const CHAR_W: f64 = 7.25;
/// Padding inside a field, box height.
const PAD: f64 = 7.0;
const BOX_H: f64 = 26.0;

/// The SVG document for `nodes` (in record order, inputs before readers).
pub(crate) fn draw(nodes: &[PicNode], precision: usize) -> String {
    let texts: Vec<Vec<String>> = nodes.iter().map(|n| fields(n, precision)).collect();
    let field_w = |s: &str| s.chars().count() as f64 * CHAR_W + 2.0 * PAD;
    let widths: Vec<f64> = texts
        .iter()
        .map(|f| f.iter().map(|s| field_w(s)).sum())
        .collect();
    let inputs: Vec<Vec<usize>> = nodes.iter().map(|n| n.inputs.clone()).collect();
    let p = layout(&inputs, &widths, BOX_H);

    let mut out = String::with_capacity(600 * nodes.len() + 1000);
    push_fmt(
        &mut out,
        format_args!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" \
             viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, \
             monospace\" font-size=\"{FONT}\">\n",
            w = p.width.ceil(),
            h = p.height.ceil().max(2.0 * MARGIN),
        ),
    );
    out.push_str(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerUnits=\"userSpaceOnUse\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#6b7280\"/></marker></defs>\n",
    );
    out.push_str("<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");

    // Edges first, so boxes are drawn over them. An edge leaves the middle of its input's
    // right side and enters the reader's left side at a port; the ports follow the order in
    // which the edges arrive from above to below, so edges into one node do not cross.
    out.push_str("<g class=\"edges\" fill=\"none\" stroke=\"#6b7280\" stroke-width=\"1.2\">\n");
    for (i, n) in nodes.iter().enumerate() {
        let k = n.inputs.len() as f64;
        let ports = port_order(&n.inputs, &p.routes[i], |a| p.y[a] + BOX_H / 2.0);
        for (slot, &a) in n.inputs.iter().enumerate() {
            let from = (p.x[a] + widths[a], p.y[a] + BOX_H / 2.0);
            let to = (
                p.x[i],
                p.y[i] + BOX_H * (ports[slot] as f64 + 1.0) / (k + 1.0),
            );
            push_fmt(
                &mut out,
                format_args!(
                    "<path class=\"edge\" data-from=\"n{}\" data-to=\"n{}\" d=\"",
                    nodes[a].id, n.id
                ),
            );
            edge_path(&mut out, from, &p.routes[i][slot], to);
            out.push_str("\" marker-end=\"url(#arrow)\"/>\n");
        }
    }
    out.push_str("</g>\n<g class=\"nodes\">\n");

    for (i, n) in nodes.iter().enumerate() {
        let (x, y) = (p.x[i], p.y[i]);
        let (fill, line) = colors(n.kind);
        let stroke_w = if n.named || n.kind == Kind::Output {
            2.0
        } else {
            1.0
        };
        push_fmt(
            &mut out,
            format_args!(
                "<g class=\"node\" id=\"n{id}\"><title>{title}</title>\
                 <rect class=\"shape\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" \
                 height=\"{BOX_H}\" rx=\"3\" fill=\"{fill}\" stroke=\"{line}\" \
                 stroke-width=\"{stroke_w}\"/>",
                id = n.id,
                title = escape(&tooltip(n, nodes)),
                w = widths[i],
            ),
        );
        let mut fx = x;
        for (j, s) in texts[i].iter().enumerate() {
            let fw = field_w(s);
            if j > 0 {
                push_fmt(
                    &mut out,
                    format_args!(
                        "<line x1=\"{fx:.1}\" y1=\"{y:.1}\" x2=\"{fx:.1}\" y2=\"{:.1}\" \
                         stroke=\"{line}\" stroke-width=\"1\"/>",
                        y + BOX_H
                    ),
                );
            }
            // The op cell is shaded like micrograd's op bubble; a name is bold.
            let is_op = j == 0 && n.op.is_some();
            if is_op {
                push_fmt(
                    &mut out,
                    format_args!(
                        "<rect class=\"op\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" \
                         height=\"{:.1}\" rx=\"2\" fill=\"#fef3c7\"/>",
                        fx + 1.0,
                        y + 1.0,
                        fw - 2.0,
                        BOX_H - 2.0
                    ),
                );
            }
            let is_label = j == usize::from(n.op.is_some());
            let weight = if is_label && n.named {
                " font-weight=\"bold\""
            } else {
                ""
            };
            // The grad cell is last; a page stepping through the sweep rewrites it.
            let class = if n.grad.is_some() && j + 1 == texts[i].len() {
                " class=\"grad\""
            } else {
                ""
            };
            push_fmt(
                &mut out,
                format_args!(
                    "<text{class} x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#111827\"{weight}>\
                     {}</text>",
                    fx + fw / 2.0,
                    y + BOX_H / 2.0 + FONT * 0.35,
                    escape(s)
                ),
            );
            fx += fw;
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n</svg>\n");
    out
}

/// The port of each operand edge, 0 at the top: edges ranked by the height they arrive from
/// (their last waypoint, else their input's middle); ties keep operand order.
fn port_order(
    inputs: &[usize],
    routes: &[Vec<(f64, f64)>],
    middle: impl Fn(usize) -> f64,
) -> Vec<usize> {
    let arrives = |slot: usize| routes[slot].last().map_or(middle(inputs[slot]), |w| w.1);
    let mut by_height: Vec<usize> = (0..inputs.len()).collect();
    by_height.sort_by(|&s, &t| arrives(s).total_cmp(&arrives(t)).then(s.cmp(&t)));
    let mut port = vec![0; inputs.len()];
    for (rank, slot) in by_height.into_iter().enumerate() {
        port[slot] = rank;
    }
    port
}

/// An S-curve from `from` to `to` through waypoint pairs (a waypoint column is crossed by a
/// straight segment, the gaps between columns by curves with horizontal tangents).
fn edge_path(out: &mut String, from: (f64, f64), via: &[(f64, f64)], to: (f64, f64)) {
    push_fmt(out, format_args!("M{:.1},{:.1}", from.0, from.1));
    let mut at = from;
    let curve = |out: &mut String, at: (f64, f64), p: (f64, f64)| {
        let dx = ((p.0 - at.0) / 2.0).max(12.0);
        push_fmt(
            out,
            format_args!(
                " C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
                at.0 + dx,
                at.1,
                p.0 - dx,
                p.1,
                p.0,
                p.1
            ),
        );
    };
    for pair in via.chunks(2) {
        curve(out, at, pair[0]);
        let exit = pair[pair.len() - 1];
        push_fmt(out, format_args!(" L{:.1},{:.1}", exit.0, exit.1));
        at = exit;
    }
    curve(out, at, to);
}

/// The hover text of a node: id, name, op with inputs, and full-precision numbers.
fn tooltip(n: &PicNode, nodes: &[PicNode]) -> String {
    let mut t = format!("n{}", n.id);
    if n.named {
        t.push_str(&format!(" ({})", n.label));
    }
    if let Some(op) = &n.op {
        let ins: Vec<String> = n
            .inputs
            .iter()
            .take(8)
            .map(|&a| nodes[a].label.clone())
            .collect();
        let more = if n.inputs.len() > 8 { ", …" } else { "" };
        t.push_str(&format!(" = {op}({}{more})", ins.join(", ")));
    }
    t.push_str(&format!("\ndata {}", fmt_num(n.value, 17)));
    if let Some(g) = n.grad {
        t.push_str(&format!("\ngrad {}", fmt_num(g, 17)));
    }
    t
}

/// Escapes text for XML content and attribute values; drops characters XML 1.0 forbids.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Writes into a `String`; formatting into a `String` cannot fail.
fn push_fmt(out: &mut String, args: fmt::Arguments<'_>) {
    out.write_fmt(args)
        .expect("writing to a String cannot fail");
}

#[cfg(test)]
mod tests {
    use super::port_order;

    #[test]
    fn ports_follow_the_height_edges_arrive_from() {
        let middle = |a: usize| [30.0, 10.0, 20.0][a];
        // Operands 0, 1, 2 arrive from heights 30, 10, 20: ports 2, 0, 1.
        assert_eq!(
            port_order(&[0, 1, 2], &[vec![], vec![], vec![]], middle),
            [2, 0, 1]
        );
        // A routed edge arrives from its last waypoint; a tie keeps operand order.
        let routes = [vec![(5.0, 1.0), (6.0, 5.0)], vec![], vec![(1.0, 10.0)]];
        assert_eq!(port_order(&[0, 1, 2], &routes, middle), [0, 1, 2]);
        assert_eq!(port_order(&[2, 2], &[vec![], vec![]], middle), [0, 1]);
    }
}
