//! Debugging aids: no-grad scopes, anomaly detection and gradient hooks.
//!
//! All are off by default; see the crate docs for the PyTorch and JAX names. The checks of
//! anomaly mode live here; the report they return, [`Anomaly`], lives in [`crate::anomaly`], so
//! that the error type can carry it without importing the tape.

use std::cell::{Cell, RefCell};
use std::panic::Location;

use slotmap::SecondaryMap;

use super::Var;
use super::{At, Graph, NodeKey, Op, Tape, slot};
use crate::anomaly::{Anomaly, AnomalyPhase, BackwardStep};
use crate::error::{Error, Result};
use crate::real::Float;

/// What the graph does beyond plain recording.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Mode {
    /// Inside [`Graph::no_grad`]: ops record constants.
    pub(crate) no_grad: bool,
    /// [`Graph::set_detect_anomaly`] is on.
    pub(crate) anomaly: bool,
}

/// A tensor gradient hook: the node's shape and its gradient, to change in place.
type TensorHook<T> = Box<dyn FnMut(&[usize], &mut [T])>;

/// A gradient hook: sees the complete gradient of a node and replaces it.
pub(crate) enum Hook<T> {
    /// From [`Graph::register_hook`]: receives the gradient and returns the one to use.
    Scalar(Box<dyn FnMut(T) -> T>),
    /// From [`Graph::register_tensor_hook`]: receives the shape and the gradient in row-major
    /// order, and may change it in place.
    Tensor(TensorHook<T>),
}

impl<T: Copy> Hook<T> {
    /// Runs the hook on gradient `g` of a node of shape `shape` (`[]` for a scalar).
    fn run(&mut self, shape: &[usize], g: &mut [T]) {
        match self {
            // A scalar hook sits on a scalar node: its gradient has one element.
            Hook::Scalar(h) => {
                if let [x] = g {
                    *x = h(*x);
                }
            }
            Hook::Tensor(h) => h(shape, g),
        }
    }
}

/// Hooks by node, each with an id for removal.
pub(crate) type Hooks<T> = SecondaryMap<NodeKey, Vec<(u64, Hook<T>)>>;

/// Identifies one registered hook, for [`Graph::remove_hook`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HookHandle {
    key: NodeKey,
    id: u64,
}

impl<T: Float> Graph<T> {
    /// Runs `f` without recording gradients: ops inside compute values as constants, and every
    /// node made inside is freed when `f` returns, so the tape length is unchanged.
    /// Use it for predictions and for parameter updates; return plain values, not handles
    /// (a handle made inside is stale afterwards: that is a clear error, never a wrong number).
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let w = g.var(2.0);
    /// let before = g.len();
    /// let prediction = g.no_grad(|| (w * 3.0 + 1.0).tanh().value());
    /// assert_eq!(g.len(), before);
    /// assert_eq!(prediction, 7.0_f64.tanh());
    /// ```
    pub fn no_grad<R: 'static>(&self, f: impl FnOnce() -> R) -> R {
        let mark = self.mark();
        let outer = self.debug.mode.get();
        self.debug.mode.set(Mode {
            no_grad: true,
            ..outer
        });
        // Restore the mode and free the scope's nodes even if `f` panics.
        struct Restore<'a, T: Float>(&'a Graph<T>, Mode, super::Mark);
        impl<T: Float> Drop for Restore<'_, T> {
            fn drop(&mut self) {
                let anomaly = self.0.debug.mode.get().anomaly;
                self.0.debug.mode.set(Mode { anomaly, ..self.1 });
                let _ = self.0.try_rewind(self.2);
            }
        }
        let _restore = Restore(self, outer, mark);
        f()
    }

    /// True unless inside [`no_grad`](Graph::no_grad).
    pub fn is_grad_enabled(&self) -> bool {
        !self.debug.mode.get().no_grad
    }

    /// Turns anomaly detection on or off (off by default).
    ///
    /// When on, the first op whose value is NaN or ±∞ is an [`Error::Anomaly`] naming the op,
    /// its node, its inputs' values and the line of your code that called it (the operator
    /// forms panic with that message). Every op recorded while the mode is on remembers that
    /// line, so [`backward`](Graph::backward) can name, in one report, every op that made a
    /// non-finite gradient — the upstream gradient, the local partial and where the op was
    /// built — leaving out the ops that only passed a NaN or ∞ on (PyTorch's anomaly mode
    /// prints the forward traceback of the first one only).
    ///
    /// ```
    /// use tapegrad::{Error, Graph};
    /// let g = Graph::new();
    /// g.set_detect_anomaly(true);
    /// let x = g.var(0.0);
    /// let err = x.try_ln().unwrap_err();
    /// assert!(err.to_string().contains("`log`"));
    /// let y = x.sqrt(); // sqrt(0) = 0 is fine, but its derivative is +inf
    /// let Err(Error::Anomaly(a)) = g.try_backward(y) else { panic!() };
    /// assert!(a.to_string().contains("local partial inf"));
    /// assert_eq!(a.location.unwrap().line(), line!() - 3); // the line of `x.sqrt()`
    /// ```
    pub fn set_detect_anomaly(&self, on: bool) {
        self.debug.mode.set(Mode {
            anomaly: on,
            ..self.debug.mode.get()
        });
    }

    /// Whether anomaly detection is on.
    pub fn detect_anomaly(&self) -> bool {
        self.debug.mode.get().anomaly
    }

    /// Registers a hook on `v`'s gradient: during [`backward`](Graph::backward), once the
    /// gradient flowing into `v` is complete, `hook` receives it and returns the gradient to
    /// store and to send on to `v`'s inputs (PyTorch's `register_hook`). Hooks on one node run in
    /// the order registered. They apply to the numeric sweep, not to
    /// [`grad_graph`](Graph::grad_graph); a hook must not record on or differentiate this graph.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.var(3.0);
    /// let h = x * x; // dh/dx = 6 at x = 3
    /// let y = h * 10.0;
    /// g.register_hook(h, |grad| grad.clamp(-1.0, 1.0)); // clip the 10 arriving at h
    /// assert_eq!(g.backward(y)[x], 6.0);
    /// ```
    #[track_caller]
    pub fn register_hook(&self, v: Var<'_, T>, hook: impl FnMut(T) -> T + 'static) -> HookHandle {
        crate::error::or_panic(self.try_register_hook(v, hook))
    }

    /// [`register_hook`](Graph::register_hook) returning an error for a stale or foreign handle.
    pub fn try_register_hook(
        &self,
        v: Var<'_, T>,
        hook: impl FnMut(T) -> T + 'static,
    ) -> Result<HookHandle> {
        self.check(v, "register_hook")?;
        self.add_hook(v.key(), "register_hook", Hook::Scalar(Box::new(hook)))
    }

    /// Adds `hook` to the hooks of the live node `key`.
    pub(crate) fn add_hook(
        &self,
        key: NodeKey,
        op: &'static str,
        hook: Hook<T>,
    ) -> Result<HookHandle> {
        let id = self.debug.next_hook.get();
        self.debug.next_hook.set(id + 1);
        let mut hooks = self.debug.hooks.borrow_mut();
        match hooks.entry(key) {
            Some(e) => e.or_default().push((id, hook)),
            None => return Err(Error::StaleHandle { op }),
        }
        Ok(HookHandle { key, id })
    }

    /// Removes a hook; returns false if it was already gone (removed, or its node freed).
    pub fn remove_hook(&self, handle: HookHandle) -> bool {
        let mut hooks = self.debug.hooks.borrow_mut();
        let Some(list) = hooks.get_mut(handle.key) else {
            return false;
        };
        let before = list.len();
        list.retain(|(id, _)| *id != handle.id);
        let removed = list.len() < before;
        if list.is_empty() {
            hooks.remove(handle.key);
        }
        removed
    }

    /// True in the default mode (neither no-grad nor anomaly detection): ops are recorded as
    /// they are, without checks.
    #[inline(always)]
    pub(crate) fn plain_mode(&self) -> bool {
        self.debug.mode.get() == Mode::default()
    }

    /// Applies no-grad and anomaly modes to `k`, the node just recorded (the newest): in
    /// no-grad mode it becomes a constant; in anomaly mode a value that is not finite is an
    /// error, and the node is freed again, leaving the tape as it was.
    ///
    /// Recording pushes first and calls this only outside the default mode, so the common path
    /// carries no mode logic but one test of [`plain_mode`](Graph::plain_mode).
    #[cold]
    #[inline(never)]
    #[track_caller]
    pub(crate) fn apply_mode(&self, t: &mut Tape<T>, k: NodeKey) -> Result<()> {
        debug_assert_eq!(t.order.last(), Some(&k));
        let mode = self.debug.mode.get();
        if mode.anomaly {
            let at = Location::caller();
            let y = t.vals[slot(k)];
            if !y.is_finite() {
                let mut anomaly = scalar_anomaly(t, AnomalyPhase::Forward, t.order.len() - 1, k);
                anomaly.location = Some(at);
                t.order.pop();
                t.nodes.remove(k);
                return Err(Error::Anomaly(Box::new(anomaly)));
            }
            self.note_location(k, at);
        }
        if mode.no_grad {
            t.nodes[k] = Op::Const.into();
        }
        Ok(())
    }

    /// Remembers that the caller's code at `at` built node `k` (anomaly mode only), so that a
    /// backward sweep can say where an op that made a non-finite gradient came from.
    pub(crate) fn note_location(&self, k: NodeKey, at: &'static Location<'static>) {
        self.debug.locations.borrow_mut().insert(k, at);
    }

    /// Runs `record` (a recorded backward pass) and, in anomaly mode, checks what it recorded
    /// afterwards: the rules run on the infallible ops of `Var` and `Tensor`, so the mode is
    /// off while they record, and every node they made is checked once they are done.
    pub(crate) fn checked_recording<R>(&self, record: impl FnOnce() -> Result<R>) -> Result<R> {
        if !self.detect_anomaly() {
            return record();
        }
        let start = self.len();
        self.set_detect_anomaly(false);
        let out = record();
        self.set_detect_anomaly(true);
        let out = out?;
        self.check_recorded(start)?;
        Ok(out)
    }

    /// Every node recorded at or after record position `start` that made a value (or, for a
    /// tensor, an element) that is not finite from finite inputs, as one anomaly of the
    /// recorded backward pass; nodes that only carry a NaN or ∞ on are left out.
    fn check_recorded(&self, start: usize) -> Result<()> {
        let t = self.tape();
        let mut found = Vec::new();
        for (pos, &k) in t.order.iter().enumerate().skip(start) {
            let op = t.op(k);
            if let Op::Tensor(_) = op {
                if let Some(a) = t.ext().recorded_anomaly(&t, pos, op.into()) {
                    found.push(a);
                }
                continue;
            }
            let finite_inputs = t.inputs(op).all(|i| t.vals[i as usize].is_finite());
            if !t.vals[slot(k)].is_finite() && finite_inputs {
                found.push(scalar_anomaly(&t, AnomalyPhase::Backward, pos, k));
            }
        }
        one_report(found)
    }

    /// True when backward must take the observed path (hooks or anomaly checks).
    pub(crate) fn observed(&self) -> bool {
        self.debug.mode.get().anomaly || !self.debug.hooks.borrow().is_empty()
    }
}

/// The report of scalar node `k` (record position `pos`): its op, its inputs' values and its
/// value.
fn scalar_anomaly<T: Float>(t: &Tape<T>, phase: AnomalyPhase, pos: usize, k: NodeKey) -> Anomaly {
    let op = t.op(k);
    Anomaly {
        phase,
        position: pos,
        name: None,
        op: op.name(),
        inputs: t.inputs(op).map(|i| t.vals[i as usize].to_f64()).collect(),
        output: Some(t.vals[slot(k)].to_f64()),
        element: None,
        backward: None,
        location: None,
        others: Vec::new(),
    }
}

/// `Ok` when nothing was found, else one error naming the first op found and the others.
pub(crate) fn one_report(mut found: Vec<Anomaly>) -> Result<()> {
    if found.is_empty() {
        return Ok(());
    }
    let mut first = found.remove(0);
    first.others = found;
    Err(Error::Anomaly(Box::new(first)))
}

/// State the graph keeps for the debugging aids.
pub(crate) struct DebugState<T> {
    pub(crate) mode: Cell<Mode>,
    pub(crate) hooks: RefCell<Hooks<T>>,
    pub(crate) next_hook: Cell<u64>,
    /// Where the caller's code built each node recorded in anomaly mode.
    pub(crate) locations: RefCell<SecondaryMap<NodeKey, &'static Location<'static>>>,
}

impl<T> Default for DebugState<T> {
    fn default() -> Self {
        DebugState {
            mode: Cell::new(Mode::default()),
            hooks: RefCell::new(SecondaryMap::new()),
            next_hook: Cell::new(0),
            locations: RefCell::new(SecondaryMap::new()),
        }
    }
}

/// What the reverse sweep reports to, at each node and each contribution, as it computes them:
/// hooks, anomaly detection and the step-by-step trace are observers of the one sweep. Every
/// method does nothing unless implemented, so the plain sweep ([`Plain`]) compiles to the bare
/// loop.
pub(crate) trait Observer<R> {
    /// Whether [`send`](Observer::send) wants the local partials (the plain sweep only forms
    /// contributions).
    fn wants_partials(&self) -> bool {
        false
    }
    /// The sweep reached scalar node `k` with its complete gradient `g`, which it may replace
    /// with the gradient to use (and store) from here on; true if it did.
    fn visit(&mut self, k: NodeKey, g: &mut R) -> Result<bool> {
        let _ = (k, g);
        Ok(false)
    }
    /// Scalar node `k` (record position `pos`, upstream gradient `g`) sends `d` = `g` ·
    /// ∂y/∂input to its `input`-th input; `local` is that partial ∂y/∂input when
    /// [`wants_partials`](Observer::wants_partials) asked for it and the rule has one.
    fn send(
        &mut self,
        pos: usize,
        k: NodeKey,
        input: usize,
        g: R,
        local: Option<R>,
        d: R,
    ) -> Result<()> {
        let _ = (pos, k, input, g, local, d);
        Ok(())
    }
    /// The sweep reached extension (tensor) node `k` of shape `shape` with its complete
    /// gradient `g`, which it may change in place.
    fn visit_tensor(&mut self, k: NodeKey, shape: &[usize], g: &mut [R]) -> Result<()> {
        let _ = (k, shape, g);
        Ok(())
    }
    /// The extension node `at` (upstream gradient `g`) sends `d`, already summed to the
    /// input's shape, to its `input`-th input.
    fn send_tensor(&mut self, at: At, input: usize, g: &[R], d: &[R]) -> Result<()> {
        let _ = (at, input, g, d);
        Ok(())
    }
}

/// The plain sweep: nothing to observe, compiled away.
pub(crate) struct Plain;

impl<R> Observer<R> for Plain {}

/// The observed sweep: runs hooks and, in anomaly mode, checks every contribution. The sweep
/// goes on past a non-finite gradient, so that one report names every op that made one.
pub(crate) struct Watch<'a, T: Float> {
    /// The tape being swept (for the reports: inputs' values, names).
    pub(crate) tape: std::cell::Ref<'a, Tape<T>>,
    pub(crate) hooks: std::cell::RefMut<'a, Hooks<T>>,
    pub(crate) anomaly: bool,
    /// Where each node recorded in anomaly mode was built.
    pub(crate) locations: std::cell::Ref<'a, SecondaryMap<NodeKey, &'static Location<'static>>>,
    /// The ops found so far that made a non-finite gradient from a finite one.
    pub(crate) found: Vec<Anomaly>,
}

impl<T: Float> Watch<'_, T> {
    /// Whether a non-finite contribution of the node at `pos`, from upstream gradient(s) that
    /// are all finite, is news: a node that only passes a NaN on, or a second input of a node
    /// already reported, is not.
    fn made_here(&self, pos: usize, upstream_finite: bool) -> bool {
        upstream_finite && self.found.last().is_none_or(|a| a.position != pos)
    }

    /// Adds the report `a` of node `k`, with where `k` was built.
    fn found(&mut self, k: NodeKey, mut a: Anomaly) {
        a.location = self.locations.get(k).copied();
        self.found.push(a);
    }

    /// The end of the sweep: the one report of everything found.
    pub(crate) fn finish(self) -> Result<()> {
        one_report(self.found)
    }
}

impl<T: Float> Observer<T> for Watch<'_, T> {
    fn wants_partials(&self) -> bool {
        self.anomaly
    }

    fn visit(&mut self, k: NodeKey, g: &mut T) -> Result<bool> {
        if !self.hooks.contains_key(k) {
            return Ok(false);
        }
        self.visit_tensor(k, &[], std::slice::from_mut(g))?;
        Ok(true)
    }

    fn send(
        &mut self,
        pos: usize,
        k: NodeKey,
        input: usize,
        g: T,
        local: Option<T>,
        d: T,
    ) -> Result<()> {
        if !self.anomaly || d.is_finite() || !self.made_here(pos, g.is_finite()) {
            return Ok(());
        }
        let t = &*self.tape;
        let mut a = scalar_anomaly(t, AnomalyPhase::Backward, pos, k);
        a.name = t.names.get(k).map(|s| s.to_string());
        a.backward = Some(BackwardStep {
            upstream: Some(g.to_f64()),
            input,
            local: local.map(T::to_f64),
            contribution: d.to_f64(),
        });
        self.found(k, a);
        Ok(())
    }

    fn visit_tensor(&mut self, k: NodeKey, shape: &[usize], g: &mut [T]) -> Result<()> {
        if let Some(list) = self.hooks.get_mut(k) {
            for (_, hook) in list.iter_mut() {
                hook.run(shape, g);
            }
        }
        Ok(())
    }

    fn send_tensor(&mut self, at: At, input: usize, g: &[T], d: &[T]) -> Result<()> {
        if !self.anomaly {
            return Ok(());
        }
        let Some(e) = d.iter().position(|v| !v.is_finite()) else {
            return Ok(());
        };
        if self.made_here(at.pos, g.iter().all(|v| v.is_finite())) {
            let t = &*self.tape;
            let a = t.ext().contribution_anomaly(t, at, input, g, d, e);
            self.found(at.k, a);
        }
        Ok(())
    }
}
