//! Recording a trace: the forward record and every step of the reverse sweep.

use slotmap::SecondaryMap;

use crate::error::Result;
use crate::real::{Float, Real};
use crate::tape::{At, Grads, Graph, NodeKey, NodeView, Observer, Op, Var};
use crate::tensor::{Tensor, TensorOp};

/// How many rows a rendered trace shows unless told otherwise (see [`Trace::with_limit`]).
pub const DEFAULT_LIMIT: usize = 200;

/// Significant digits of the numbers in a rendered trace unless told otherwise.
pub const DEFAULT_PRECISION: usize = 6;

/// The backward pass of one loss, step by step: what [`Graph::backward`] computes, written down.
///
/// [`Trace::new`] records the forward record (every node the loss depends on, in record order,
/// with its op, inputs and value) and then runs `backward` itself with the trace as an observer
/// of its one reverse loop — so newest node first, the same rules from [`rules`](crate::rules),
/// the same arithmetic in the graph's number type — writing down, at every step, the upstream
/// gradient ∂L/∂y arriving at the node, the local partial ∂y/∂input of each input as the sweep
/// computed it, the contribution `g · ∂y/∂input` sent to it and the gradient that input has
/// accumulated so far. The final gradients are read from the sweep's own store, so they are bit
/// for bit what `backward` returns. (Gradient hooks, [`Graph::register_hook`], are not run:
/// the trace shows the plain sweep.)
///
/// Tensor ops are traced too: a tensor node carries its op, shape, elements and gradient
/// ([`TraceNode::tensor`]), and a tensor step the upstream gradient and each contribution as
/// tensors ([`Step::tensor`]). Text and Markdown summarize a tensor as its shape, norm and
/// first elements; JSON has every element.
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
    /// What the node computes ([`Op::Tensor`] for a tensor node; see [`tensor`](Self::tensor)).
    pub op: Op,
    /// The ids of its inputs, in operand order.
    pub inputs: Vec<usize>,
    /// Its value (for a tensor node of more than one element NaN: its elements are in
    /// [`tensor`](Self::tensor)).
    pub value: f64,
    /// ∂L/∂node at the end of the sweep (0 where no gradient reaches it), as `backward` gives it
    /// (for a tensor node of more than one element NaN, as for `value`).
    pub grad: f64,
    /// For a tensor node: its op, shape, elements and gradient.
    pub tensor: Option<TensorData>,
}

/// A tensor node of the forward record: what [`Graph::tensor_op`] and the node's buffer hold,
/// and its gradient from the sweep (what [`Grads::tensor`](crate::Grads::tensor) returns).
#[derive(Clone, Debug, PartialEq)]
pub struct TensorData {
    /// The tensor op.
    pub op: TensorOp,
    /// The shape.
    pub shape: Vec<usize>,
    /// The elements, row-major.
    pub value: Vec<f64>,
    /// ∂L/∂node, row-major (zeros where no gradient reaches it).
    pub grad: Vec<f64>,
}

impl TraceNode {
    /// The node's name if it has one, else `n{id}`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => format!("n{}", self.id),
        }
    }

    /// True for a leaf that takes a gradient: a variable (scalar) or a tensor variable.
    pub fn is_variable(&self) -> bool {
        match &self.tensor {
            Some(t) => t.op == TensorOp::Var,
            None => self.op == Op::Var,
        }
    }

    /// True for a leaf (a variable or a constant, scalar or tensor).
    pub fn is_leaf(&self) -> bool {
        match &self.tensor {
            Some(t) => matches!(t.op, TensorOp::Var | TensorOp::Const),
            None => self.op.is_leaf(),
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
    /// The upstream gradient ∂L/∂y that has arrived at the node (1 at the loss; for a tensor
    /// node of more than one element NaN: see [`tensor`](Self::tensor)).
    pub upstream: f64,
    /// What each input receives, in operand order.
    pub inputs: Vec<Contribution>,
    /// For a tensor op: its op, shape, the upstream gradient and what each input receives, as
    /// tensors.
    pub tensor: Option<TensorStep>,
}

/// What one input receives in one step of the sweep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Contribution {
    /// The input's id.
    pub input: usize,
    /// Its position among the node's operands (`a` = 0, `b` = 1, …).
    pub operand: usize,
    /// The local partial ∂y/∂input, as the sweep computed it. `None` for an input that takes
    /// no gradient (the constant exponent of `a^c`) and for a tensor op (whose partials are a
    /// Jacobian the sweep never forms).
    pub partial: Option<f64>,
    /// The contribution sent, upstream × local partial, exactly as `backward` computes it
    /// (`None` for a tensor contribution of more than one element: see [`Step::tensor`]).
    pub sent: Option<f64>,
    /// ∂L/∂input accumulated so far, this contribution included (for a scalar input).
    pub accumulated: Option<f64>,
}

/// The tensors of a step at a tensor op.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorStep {
    /// The tensor op.
    pub op: TensorOp,
    /// The node's shape (the upstream gradient's).
    pub shape: Vec<usize>,
    /// The upstream gradient ∂L/∂y, row-major.
    pub upstream: Vec<f64>,
    /// What each input receives, parallel to [`Step::inputs`].
    pub inputs: Vec<TensorSent>,
}

/// What one input of a tensor op receives: the contribution, summed to the input's shape.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorSent {
    /// The input's shape.
    pub shape: Vec<usize>,
    /// The contribution g · ∂y/∂input, row-major; `None` for an input that takes no gradient.
    pub sent: Option<Vec<f64>>,
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

        // Each tensor node's op, shape and elements (a rank-0 tensor included).
        let tensors: Vec<Option<TensorInfo>> = views
            .iter()
            .take(last + 1)
            .enumerate()
            .map(|(i, v)| {
                if !needed[i] || !matches!(v.op, Op::Tensor(_)) {
                    return Ok(None);
                }
                let t = Tensor::new(graph, v.key);
                let data = t.try_to_vec()?.into_iter().map(Real::to_f64).collect();
                Ok(Some((graph.tensor_op(t)?, t.try_shape()?, data)))
            })
            .collect::<Result<_>>()?;

        // The reverse sweep itself, with this trace as its observer: the same loop, rules and
        // arithmetic as `backward` (it is `backward`), so every number below is its number.
        let mut rec = Recorder {
            inputs: &inputs,
            tensors: &tensors,
            views: &views,
            id_of: &id_of,
            acc: vec![None; last + 1],
            steps: Vec::new(),
        };
        let mut grads = Grads::new();
        graph.observed_backward(loss, &mut grads, &mut rec)?;
        rec.close_step();
        let steps = rec.steps;

        let mut nodes = Vec::new();
        let mut pos = SecondaryMap::new();
        for (i, v) in views.into_iter().enumerate().take(last + 1) {
            if !needed[i] {
                continue;
            }
            pos.insert(v.key, nodes.len() as u32);
            let (value, grad, tensor) = match &tensors[i] {
                None => {
                    let g = grads.try_get(Var::new(graph, v.key))?;
                    (v.value.to_f64(), g.to_f64(), None)
                }
                Some((op, shape, data)) => {
                    let t = Tensor::new(graph, v.key);
                    let grad: Vec<f64> = grads.try_tensor(t)?.iter().map(|d| d.to_f64()).collect();
                    let one = |x: &[f64]| if x.len() == 1 { x[0] } else { f64::NAN };
                    let tensor = TensorData {
                        op: *op,
                        shape: shape.clone(),
                        value: data.clone(),
                        grad,
                    };
                    (one(&tensor.value), one(&tensor.grad), Some(tensor))
                }
            };
            nodes.push(TraceNode {
                id: i,
                key: v.key,
                name: v.name,
                op: v.op,
                inputs: std::mem::take(&mut inputs[i]),
                value,
                grad,
                tensor,
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

/// A tensor node's op, shape and elements.
type TensorInfo = (TensorOp, Vec<usize>, Vec<f64>);

/// The trace as an observer of the reverse sweep: it writes down each step as the sweep takes
/// it, with the numbers the sweep computes.
struct Recorder<'a, T: Float> {
    /// Each node's input ids, by id (an id is a record position).
    inputs: &'a [Vec<usize>],
    /// Each tensor node's op, shape and elements, by id.
    tensors: &'a [Option<TensorInfo>],
    views: &'a [NodeView<T>],
    id_of: &'a SecondaryMap<NodeKey, u32>,
    /// The scalar adjoints so far, by id: the same additions in the same order as the sweep's,
    /// for the "so far" column.
    acc: Vec<Option<T>>,
    steps: Vec<Step>,
}

impl<T: Float> Recorder<'_, T> {
    /// Starts the step of node `id` (closing the one before).
    fn open_step(&mut self, id: usize, upstream: f64, tensor: Option<TensorStep>) {
        self.close_step();
        self.steps.push(Step {
            node: id,
            op: self.views[id].op,
            upstream,
            inputs: Vec::new(),
            tensor,
        });
    }

    /// Completes the last step: an input that received nothing (the constant exponent of
    /// `a^c`, a tensor op's constant input) is listed too, in operand order.
    fn close_step(&mut self) {
        let Some(step) = self.steps.last_mut() else {
            return;
        };
        let ins = &self.inputs[step.node];
        if step.inputs.len() == ins.len() {
            return;
        }
        let mut sent: Vec<Option<TensorSent>> = match &mut step.tensor {
            Some(t) => std::mem::take(&mut t.inputs)
                .into_iter()
                .map(Some)
                .collect(),
            None => Vec::new(),
        };
        for (j, &a) in ins.iter().enumerate() {
            if step.inputs.iter().any(|c| c.operand == j) {
                continue;
            }
            step.inputs.push(Contribution {
                input: a,
                operand: j,
                partial: None,
                sent: None,
                accumulated: None,
            });
            if step.tensor.is_some() {
                sent.push(Some(TensorSent {
                    shape: shape_of(self.tensors, a),
                    sent: None,
                }));
            }
        }
        let mut order: Vec<usize> = (0..step.inputs.len()).collect();
        order.sort_by_key(|&i| step.inputs[i].operand);
        step.inputs = order.iter().map(|&i| step.inputs[i]).collect();
        if let Some(t) = &mut step.tensor {
            t.inputs = order.iter().filter_map(|&i| sent[i].take()).collect();
        }
    }

    /// Adds `d` to the adjoint of scalar node `a` so far, as the sweep does; the sum.
    fn accumulate(&mut self, a: usize, d: T) -> Option<f64> {
        let sum = match self.acc[a] {
            Some(prev) => prev + d,
            None => d,
        };
        self.acc[a] = Some(sum);
        Some(sum.to_f64())
    }

    fn contribution(&mut self, c: Contribution, tensor: Option<TensorSent>) {
        if let Some(step) = self.steps.last_mut() {
            step.inputs.push(c);
            if let (Some(t), Some(s)) = (&mut step.tensor, tensor) {
                t.inputs.push(s);
            }
        }
    }
}

/// The shape of node `id`: its tensor's, or `[]` for a scalar.
fn shape_of(tensors: &[Option<TensorInfo>], id: usize) -> Vec<usize> {
    tensors[id].as_ref().map_or(Vec::new(), |t| t.1.clone())
}

/// The single element of a one-element tensor, else NaN.
fn one(x: &[f64]) -> f64 {
    if x.len() == 1 { x[0] } else { f64::NAN }
}

impl<T: Float> Observer<T> for Recorder<'_, T> {
    fn wants_partials(&self) -> bool {
        true
    }

    fn visit(&mut self, k: NodeKey, g: &mut T) -> Result<bool> {
        let id = self.id_of[k] as usize;
        if !self.views[id].op.is_leaf() {
            self.open_step(id, g.to_f64(), None);
        }
        Ok(false)
    }

    fn send(
        &mut self,
        pos: usize,
        _k: NodeKey,
        input: usize,
        _g: T,
        local: Option<T>,
        d: T,
    ) -> Result<()> {
        let a = self.inputs[pos][input];
        let accumulated = self.accumulate(a, d);
        let c = Contribution {
            input: a,
            operand: input,
            partial: local.map(Real::to_f64),
            sent: Some(d.to_f64()),
            accumulated,
        };
        self.contribution(c, None);
        Ok(())
    }

    fn visit_tensor(&mut self, k: NodeKey, shape: &[usize], g: &mut [T]) -> Result<()> {
        let id = self.id_of[k] as usize;
        let Some((op, ..)) = &self.tensors[id] else {
            return Ok(());
        };
        if matches!(op, TensorOp::Var | TensorOp::Const) {
            return Ok(());
        }
        let upstream: Vec<f64> = g.iter().map(|x| x.to_f64()).collect();
        let step = TensorStep {
            op: *op,
            shape: shape.to_vec(),
            upstream,
            inputs: Vec::new(),
        };
        self.open_step(id, one(&step.upstream), Some(step));
        Ok(())
    }

    fn send_tensor(&mut self, at: At, input: usize, _g: &[T], d: &[T]) -> Result<()> {
        let a = self.inputs[at.pos][input];
        let sent: Vec<f64> = d.iter().map(|x| x.to_f64()).collect();
        // A scalar input takes the contribution into its adjoint, as a scalar op would.
        let accumulated = match self.tensors[a] {
            None => self.accumulate(a, d[0]),
            Some(_) => None,
        };
        let c = Contribution {
            input: a,
            operand: input,
            partial: None,
            sent: (sent.len() == 1).then(|| sent[0]),
            accumulated,
        };
        let t = TensorSent {
            shape: shape_of(self.tensors, a),
            sent: Some(sent),
        };
        self.contribution(c, Some(t));
        Ok(())
    }
}
