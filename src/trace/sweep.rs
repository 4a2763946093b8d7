//! Recording a trace: the forward record and every step of the reverse sweep.

use slotmap::SecondaryMap;

use crate::error::Result;
use crate::real::{Float, Real};
use crate::scalar::Var;
use crate::tape::{Graph, NodeKey, Op};

/// How many rows a rendered trace shows unless told otherwise (see [`Trace::with_limit`]).
pub const DEFAULT_LIMIT: usize = 200;

/// Significant digits of the numbers in a rendered trace unless told otherwise.
pub const DEFAULT_PRECISION: usize = 6;

/// The backward pass of one loss, step by step: what [`Graph::backward`] computes, written down.
///
/// [`Trace::new`] records the forward record (every node the loss depends on, in record order,
/// with its op, inputs and value) and then replays the reverse sweep exactly as `backward` does —
/// newest node first, the same rules from [`rules`](crate::rules), the same arithmetic in the
/// graph's number type — keeping, at every step, the upstream gradient ∂L/∂y arriving at the
/// node, the local partial ∂y/∂input of each input, the contribution `g · ∂y/∂input` sent to it
/// and the gradient that input has accumulated so far. The last accumulated value of every node
/// is bit for bit the gradient `backward` returns. (Gradient hooks,
/// [`Graph::register_hook`], are not run: the trace shows the plain sweep.)
///
/// Render it as an aligned table ([`to_text`](Trace::to_text), also its `Display`),
/// [`to_markdown`](Trace::to_markdown) or [`to_json`](Trace::to_json); long traces are cut after
/// [`DEFAULT_LIMIT`] rows with a "… N more steps" line (see [`with_limit`](Trace::with_limit)).
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::trace::{TextStyle, Trace};
///
/// let g = Graph::new();
/// let (w, x, b) = (g.var_named("w", 0.5), g.var_named("x", 2.0), g.var_named("b", -1.0));
/// let y = (w * x + b).tanh();
/// let trace = Trace::new(&g, y);
/// assert_eq!(trace.steps().len(), 3); // tanh, +, *: one step per computed node
/// assert_eq!(trace.grad(w), Some(g.backward(y)[w]));
/// let table = trace.to_text(TextStyle::Unicode);
/// assert!(table.contains("∂tanh(a)/∂a = 1 − y² = 1"));
/// ```
#[derive(Clone, Debug)]
pub struct Trace {
    pub(crate) nodes: Vec<TraceNode>,
    pub(crate) steps: Vec<Step>,
    /// Position of each node in `nodes`, by key.
    pub(crate) pos: SecondaryMap<NodeKey, u32>,
    pub(crate) graph_id: u64,
    pub(crate) limit: Option<usize>,
    pub(crate) precision: usize,
}

/// One node of the forward record.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceNode {
    /// The node's position in the graph's record ([`Graph::nodes`] order); its label is `n{id}`.
    pub id: usize,
    /// The node's key in the graph.
    pub key: NodeKey,
    /// The node's display name, if it has one ([`Graph::var_named`], [`Graph::set_name`]).
    pub name: Option<String>,
    /// What the node computes.
    pub op: Op,
    /// The ids of its inputs, in operand order.
    pub inputs: Vec<usize>,
    /// Its value.
    pub value: f64,
    /// ∂L/∂node at the end of the sweep (0 where no gradient reaches it), as `backward` gives it.
    pub grad: f64,
}

impl TraceNode {
    /// The node's name if it has one, else `n{id}`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => format!("n{}", self.id),
        }
    }
}

/// One step of the reverse sweep: a computed node passes its gradient on to its inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The id of the node this step visits.
    pub node: usize,
    /// Its op.
    pub op: Op,
    /// The upstream gradient ∂L/∂y that has arrived at the node (1 at the loss).
    pub upstream: f64,
    /// What each input receives, in operand order.
    pub inputs: Vec<Contribution>,
}

/// What one input receives in one step of the sweep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Contribution {
    /// The input's id.
    pub input: usize,
    /// Its position among the node's operands (`a` = 0, `b` = 1, …).
    pub operand: usize,
    /// The local partial ∂y/∂input: the rule run with upstream gradient 1. `None` for an input
    /// that takes no gradient (the constant exponent of `a^c`).
    pub partial: Option<f64>,
    /// The contribution sent, upstream × local partial: the rule run with the upstream gradient,
    /// exactly as `backward` runs it.
    pub sent: Option<f64>,
    /// ∂L/∂input accumulated so far, this contribution included.
    pub accumulated: Option<f64>,
}

impl Trace {
    /// Traces the backward pass of `loss`. Panics for a handle freed by rewind or from another
    /// graph; see [`try_new`](Trace::try_new).
    #[track_caller]
    pub fn new<T: Float>(graph: &Graph<T>, loss: Var<'_, T>) -> Trace {
        crate::error::or_panic(Self::try_new(graph, loss))
    }

    /// [`Trace::new`] returning an error for a stale or foreign handle.
    pub fn try_new<T: Float>(graph: &Graph<T>, loss: Var<'_, T>) -> Result<Trace> {
        graph.check(loss, "trace")?;
        let views = graph.nodes();
        let mut id_of: SecondaryMap<NodeKey, u32> = SecondaryMap::with_capacity(views.len());
        for (i, v) in views.iter().enumerate() {
            id_of.insert(v.key, i as u32);
        }
        let mut inputs: Vec<Vec<usize>> = views
            .iter()
            .map(|v| v.inputs.iter().map(|&k| id_of[k] as usize).collect())
            .collect();
        let last = id_of[loss.key()] as usize;

        // The forward record the loss depends on: one reverse pass marking inputs.
        let mut needed = vec![false; last + 1];
        needed[last] = true;
        for i in (0..=last).rev() {
            if needed[i] {
                for &a in &inputs[i] {
                    needed[a] = true;
                }
            }
        }

        if let Some(i) = (0..=last).find(|&i| needed[i] && matches!(views[i].op, Op::Tensor(_))) {
            return Err(crate::Error::Invalid(format!(
                "the step-by-step trace covers scalar ops; node n{i} is the tensor op `{}`",
                views[i].op.name()
            )));
        }

        // The reverse sweep, as `Graph::backward_into` runs it: same order, same rules, same
        // arithmetic in T; only the bookkeeping is added.
        let vals: Vec<T> = views.iter().map(|v| v.value).collect();
        let mut adj = vec![T::ZERO; last + 1];
        let mut reached = vec![false; last + 1];
        adj[last] = T::ONE;
        reached[last] = true;
        let mut steps = Vec::new();
        for i in (0..=last).rev() {
            if !reached[i] || views[i].op.is_leaf() {
                continue;
            }
            let g = adj[i];
            let y = vals[i];
            let mut out = Vec::with_capacity(inputs[i].len());
            let mut send = |operand: usize, a: usize, partial: Option<T>, sent: Option<T>| {
                if let Some(s) = sent {
                    adj[a] += s;
                    reached[a] = true;
                }
                out.push(Contribution {
                    input: a,
                    operand,
                    partial: partial.map(Real::to_f64),
                    sent: sent.map(Real::to_f64),
                    accumulated: sent.map(|_| adj[a].to_f64()),
                });
            };
            match views[i].op {
                Op::Var | Op::Const | Op::Tensor(_) => {}
                Op::Unary(f, _) => {
                    let a = inputs[i][0];
                    let partial = f.pullback(vals[a], y, T::ONE);
                    let sent = f.pullback(vals[a], y, g);
                    send(0, a, Some(partial), Some(sent));
                }
                Op::Binary(f, _, _) => {
                    let (a, b) = (inputs[i][0], inputs[i][1]);
                    let (pa, pb) = f.pullback(vals[a], vals[b], y, T::ONE);
                    let (sa, sb) = f.pullback(vals[a], vals[b], y, g);
                    send(0, a, Some(pa), Some(sa));
                    send(1, b, pb, sb);
                }
                Op::Sum { .. } => {
                    for (k, &a) in inputs[i].iter().enumerate() {
                        send(k, a, Some(T::ONE), Some(g));
                    }
                }
                Op::Primitive { node, .. } => {
                    let prim = crate::tensor::store(&graph.tape()).prims[node as usize]
                        .prim
                        .clone();
                    let xs: Vec<T> = inputs[i].iter().map(|&a| vals[a]).collect();
                    let partials = prim.pullback_num(&xs, y, T::ONE);
                    let sent = prim.pullback_num(&xs, y, g);
                    crate::tensor::check_contributions(&*prim, partials.len())?;
                    crate::tensor::check_contributions(&*prim, sent.len())?;
                    for (k, (&a, (p, d))) in inputs[i]
                        .iter()
                        .zip(partials.into_iter().zip(sent))
                        .enumerate()
                    {
                        send(k, a, Some(p), Some(d));
                    }
                }
            }
            steps.push(Step {
                node: i,
                op: views[i].op,
                upstream: g.to_f64(),
                inputs: out,
            });
        }

        let mut nodes = Vec::new();
        let mut pos = SecondaryMap::new();
        for (i, v) in views.into_iter().enumerate().take(last + 1) {
            if !needed[i] {
                continue;
            }
            pos.insert(v.key, nodes.len() as u32);
            nodes.push(TraceNode {
                id: i,
                key: v.key,
                name: v.name,
                op: v.op,
                inputs: std::mem::take(&mut inputs[i]),
                value: v.value.to_f64(),
                grad: if reached[i] { adj[i].to_f64() } else { 0.0 },
            });
        }
        Ok(Trace {
            nodes,
            steps,
            pos,
            graph_id: graph.id(),
            limit: Some(DEFAULT_LIMIT),
            precision: DEFAULT_PRECISION,
        })
    }

    /// Renders at most `limit` rows per table (`None`: everything), then a "… N more" line.
    /// The default is [`DEFAULT_LIMIT`]. JSON output keeps at most `limit` steps.
    pub fn with_limit(mut self, limit: Option<usize>) -> Self {
        self.limit = limit;
        self
    }

    /// Significant digits of the numbers in text and Markdown output (JSON keeps every digit).
    /// The default is [`DEFAULT_PRECISION`].
    pub fn with_precision(mut self, digits: usize) -> Self {
        self.precision = digits.max(1);
        self
    }

    /// The forward record: every node the loss depends on, in record order.
    pub fn nodes(&self) -> &[TraceNode] {
        &self.nodes
    }

    /// The steps of the reverse sweep, in the order it takes them (the loss first).
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The loss node (the last of the forward record).
    pub fn loss(&self) -> &TraceNode {
        self.nodes.last().expect("a trace holds at least its loss")
    }

    /// The node with record id `id`, if the loss depends on it.
    pub fn node(&self, id: usize) -> Option<&TraceNode> {
        self.nodes
            .binary_search_by_key(&id, |n| n.id)
            .ok()
            .map(|p| &self.nodes[p])
    }

    /// ∂L/∂v as the sweep left it, or `None` when `v` is not in the trace (the loss does not
    /// depend on it, or it belongs to another graph).
    pub fn grad<T: Float>(&self, v: Var<'_, T>) -> Option<f64> {
        if v.graph().id() != self.graph_id {
            return None;
        }
        let p = *self.pos.get(v.key())?;
        Some(self.nodes[p as usize].grad)
    }

    /// The label of the node with record id `id`: its name, or `n{id}`.
    pub(crate) fn label(&self, id: usize) -> String {
        match self.node(id) {
            Some(n) => n.label(),
            None => format!("n{id}"),
        }
    }
}
