//! The per-thread tape and what Python still references on it.
//!
//! Every `Value` and `Tensor` made from Python lives on one `Graph` per thread (leaked once per
//! thread, so handles are `'static`). Each Python object that holds a node registers its key
//! here; the registry is both the root set for freeing (`Graph::retain` keeps the registered
//! nodes and their ancestors, frees the rest) and the home of each object's accumulated
//! `.grad`. Freeing runs at the start of an operation called from Python, never in the middle of
//! one (a node being built in Rust is not registered yet), and only once the tape has grown to
//! twice what the last freeing kept, so its cost is amortised over the nodes recorded since.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use pyo3::exceptions::PyRuntimeError;

use tapegrad::{Grads, Graph, NodeKey, Tensor, Var};

/// A scalar handle on the thread's tape.
pub type V = Var<'static, f64>;
/// A tensor handle on the thread's tape.
pub type T = Tensor<'static, f64>;

/// Below this many nodes the tape is never scanned for garbage.
const MIN_COLLECT: usize = 4096;

static NEXT_THREAD: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static GRAPH: &'static Graph = Box::leak(Box::new(Graph::new()));
    static STATE: RefCell<State> = RefCell::new(State::default());
    static THREAD: u64 = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
}

/// Releases of nodes whose Python object died on another thread than the one owning its
/// tape (Python may free an object anywhere): `(owner, key)`, applied by the owner at its next
/// operation.
static PENDING: Mutex<Vec<(u64, Pending)>> = Mutex::new(Vec::new());
static HAS_PENDING: AtomicBool = AtomicBool::new(false);

/// What another thread left to release.
#[derive(Clone, Copy)]
pub enum Pending {
    /// One reference to a node.
    Node(NodeKey),
    /// A compiled model (see `net.rs`).
    Plan(u64),
}

/// Hands `item` to the thread `owner` (applied at its next operation).
pub fn defer(owner: u64, item: Pending) {
    // A poisoned lock only means another thread panicked while pushing; the list is fine.
    let mut p = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    p.push((owner, item));
    HAS_PENDING.store(true, Ordering::Release);
}

/// This thread's number: the owner recorded in every Python object holding a node.
pub fn thread_token() -> u64 {
    THREAD.with(|t| *t)
}

/// Python objects hold a key and their owner's number, not a handle, so that they can be
/// passed between threads (PyO3 requires it); using one on another thread is this error.
pub fn check_owner(owner: u64) -> crate::errors::PyRes<()> {
    if owner == thread_token() {
        Ok(())
    } else {
        Err(PyRuntimeError::new_err(
            "this value was made on another thread: each thread has its own tape, so use a \
             Value, Tensor or model only on the thread that made it",
        ))
    }
}

/// The thread's tape.
pub fn graph() -> &'static Graph {
    GRAPH.with(|g| *g)
}

/// What a registered node's Python object accumulates in `.grad`.
pub enum Grad {
    /// A scalar `Value`.
    Scalar(V, f64),
    /// A `Tensor`: its gradient in row-major order, empty until a backward pass reaches it.
    Tensor(T, Vec<f64>),
}

struct Entry {
    refs: u32,
    grad: Grad,
}

#[derive(Default)]
struct State {
    live: HashMap<NodeKey, Entry, BuildHasherDefault<KeyHasher>>,
    /// Tape length after the last freeing.
    kept: usize,
    /// Reused across backward passes so that the steady state does not allocate.
    grads: Grads<f64>,
}

/// Node keys are already well spread (slot index and version); one multiply mixes them.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// Registers one more Python reference to the node of `grad`.
pub fn register(grad: Grad) {
    let key = match &grad {
        Grad::Scalar(v, _) => v.key(),
        Grad::Tensor(t, _) => t.key(),
    };
    with(|s| s.live.entry(key).or_insert(Entry { refs: 0, grad }).refs += 1);
}

/// Registers a scalar node.
pub fn register_var(v: V) {
    register(Grad::Scalar(v, 0.0));
}

/// Drops one Python reference to `key` of `owner`'s tape; its gradient goes with the last one.
pub fn release(owner: u64, key: NodeKey) {
    if THREAD.try_with(|t| *t == owner) != Ok(true) {
        defer(owner, Pending::Node(key));
        return;
    }
    release_here(key);
}

/// Applies the releases other threads left for this one.
fn apply_pending() {
    let me = thread_token();
    let mine: Vec<Pending> = {
        let mut p = PENDING.lock().unwrap_or_else(|e| e.into_inner());
        let mut mine = Vec::new();
        p.retain(|&(owner, item)| {
            if owner == me {
                mine.push(item);
            }
            owner != me
        });
        HAS_PENDING.store(!p.is_empty(), Ordering::Release);
        mine
    };
    for item in mine {
        match item {
            Pending::Node(key) => release_here(key),
            Pending::Plan(id) => crate::net::drop_plan(id),
        }
    }
}

fn release_here(key: NodeKey) {
    // At thread exit the registry may already be gone; then there is nothing to update.
    let _ = STATE.try_with(|s| {
        let Ok(mut s) = s.try_borrow_mut() else {
            // Dropped while the registry is in use: applied at the next operation instead.
            defer(thread_token(), Pending::Node(key));
            return;
        };
        if let Some(e) = s.live.get_mut(&key) {
            e.refs -= 1;
            if e.refs == 0 {
                s.live.remove(&key);
            }
        }
    });
}

/// Frees every node no registered node depends on, once the tape has doubled since the last
/// time. Call only where every handle in use is registered.
pub fn collect_if_due() {
    if HAS_PENDING.load(Ordering::Acquire) {
        apply_pending();
    }
    let g = graph();
    let n = g.len();
    with(|s| {
        if n < MIN_COLLECT || n < 2 * s.kept {
            return;
        }
        let roots: Vec<NodeKey> = s.live.keys().copied().collect();
        // Every registered key is live: objects release theirs when they die, and nothing
        // else frees this tape.
        g.retain(&roots)
            .expect("registered nodes are live on the thread's tape");
        s.kept = g.len();
    });
}

/// Frees garbage now, whatever the tape's size; returns the number of live nodes left.
pub fn collect_now() -> usize {
    let g = graph();
    with(|s| {
        let roots: Vec<NodeKey> = s.live.keys().copied().collect();
        g.retain(&roots)
            .expect("registered nodes are live on the thread's tape");
        s.kept = g.len();
    });
    g.len()
}

/// How many nodes Python references, and how many the tape holds.
pub fn counts() -> (usize, usize) {
    (with(|s| s.live.len()), graph().len())
}

/// The handle of a registered scalar node of this thread.
pub fn var_of(key: NodeKey) -> V {
    with(|s| match s.live.get(&key).map(|e| &e.grad) {
        Some(Grad::Scalar(v, _)) => *v,
        _ => unreachable!("a Value's node is registered while the Value lives"),
    })
}

/// The handle of a registered tensor node of this thread.
pub fn tensor_of(key: NodeKey) -> T {
    with(|s| match s.live.get(&key).map(|e| &e.grad) {
        Some(Grad::Tensor(t, _)) => *t,
        _ => unreachable!("a Tensor's node is registered while the Tensor lives"),
    })
}

/// The accumulated `.grad` of a scalar node (0 if it has none).
pub fn scalar_grad(key: NodeKey) -> f64 {
    with(|s| match s.live.get(&key).map(|e| &e.grad) {
        Some(Grad::Scalar(_, g)) => *g,
        _ => 0.0,
    })
}

/// Sets the accumulated `.grad` of a registered scalar node.
pub fn set_scalar_grad(key: NodeKey, value: f64) {
    with(|s| {
        if let Some(Entry {
            grad: Grad::Scalar(_, g),
            ..
        }) = s.live.get_mut(&key)
        {
            *g = value;
        }
    });
}

/// The accumulated `.grad` of a tensor node (empty: none yet).
pub fn tensor_grad(key: NodeKey) -> Vec<f64> {
    with(|s| match s.live.get(&key).map(|e| &e.grad) {
        Some(Grad::Tensor(_, g)) => g.clone(),
        _ => Vec::new(),
    })
}

/// Forgets the accumulated gradient of a tensor node.
pub fn clear_tensor_grad(key: NodeKey) {
    with(|s| {
        if let Some(Entry {
            grad: Grad::Tensor(_, g),
            ..
        }) = s.live.get_mut(&key)
        {
            g.clear();
        }
    });
}

/// One reverse sweep from `root`, adding ∂root/∂v into the `.grad` of every node Python
/// references (PyTorch's rule; see the package README for how this differs from micrograd).
pub fn backward(root: V) -> tapegrad::Result<()> {
    let g = graph();
    with(|s| {
        g.backward_into(root, &mut s.grads)?;
        let State { live, grads, .. } = s;
        for e in live.values_mut() {
            match &mut e.grad {
                Grad::Scalar(v, acc) => *acc += grads.try_get(*v)?,
                Grad::Tensor(t, acc) => {
                    // A tensor recorded after `root` cannot be reached from it.
                    let Ok(d) = grads.try_tensor(*t) else {
                        continue;
                    };
                    if acc.is_empty() {
                        acc.resize(d.len(), 0.0);
                    }
                    for (a, x) in acc.iter_mut().zip(d) {
                        *a += x;
                    }
                }
            }
        }
        Ok(())
    })
}
