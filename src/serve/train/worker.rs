//! The training thread of one session: it owns the graph, the network and the optimizer, takes
//! commands from a channel, and publishes what the page shows in a shared [`State`].
//!
//! The network's leaves borrow the graph, so both live on this thread's stack; the thread ends
//! when the session's command channel is dropped (the session was closed or went idle).

use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rand::{SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use tokio::sync::oneshot;

mod backprop;
mod diagram;

use super::config::Plan;
use crate::data::{Batches, Dataset};
use crate::error::Result;
use crate::nn::Init;
use crate::nn::optim::Optimizer;
use crate::nn::scalar::{Activation, Mlp, Module, Params, l1_penalty, l2_penalty, loss};
use crate::trace::json_num;
use crate::{Grads, Graph, Var};

/// The heat map is `HEATMAP` × `HEATMAP` cells.
pub(crate) const HEATMAP: usize = 40;

/// The most loss history entries one answer carries.
pub(crate) const HISTORY_PER_ANSWER: usize = 10_000;

/// How often a running session redraws its heat map and measures its speed.
const PUBLISH_EVERY: Duration = Duration::from_millis(100);

/// What a session is told to do; `done` is answered once it has been done, with what the
/// action computed (the backward sweep of a point; `null` for the others) or why it could not.
pub(crate) struct Command {
    pub(crate) action: Action,
    pub(crate) done: oneshot::Sender<std::result::Result<Value, String>>,
}

/// The actions of the page's buttons.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Action {
    Start,
    Pause,
    /// Pause, then take this many steps (fewer if they take longer than the plan's budget).
    Step(u64),
    /// Pause, then trace the backward sweep of one data point's loss through the network;
    /// with `apply`, first take one optimizer step on that point alone.
    Backprop {
        point: usize,
        apply: bool,
    },
}

/// What the page shows of a session, as the training thread last published it.
#[derive(Debug, Default)]
pub(crate) struct State {
    step: u64,
    running: bool,
    /// The session reached its step limit or failed; it takes no more steps.
    done: bool,
    loss: f64,
    accuracy: f64,
    steps_per_second: f64,
    /// The data loss over the whole set before the first step and after each step.
    history: Vec<f64>,
    /// The same on the test set, which is never trained on.
    test_history: Vec<f64>,
    /// Per layer, the Euclidean norm of the gradient of its weights and biases in the step
    /// that led to the same entry of `history` (`None` for the entry before the first step).
    grad_history: Vec<Option<Vec<f64>>>,
    /// P(label 1) on the grid, top row first.
    heatmap: Vec<f64>,
    /// The network diagram: every neuron's output over the plane and every weight.
    diagram: Value,
    error: Option<String>,
}

impl State {
    /// The state as JSON, with the loss history from step `since` on (at most
    /// [`HISTORY_PER_ANSWER`] entries: ask again from where it ends for more).
    pub(crate) fn to_json(&self, since: usize) -> Value {
        let since = since.min(self.history.len());
        let end = self.history.len().min(since + HISTORY_PER_ANSWER);
        let numbers = |xs: &[f64]| xs.iter().map(|&x| json_num(x)).collect::<Vec<_>>();
        let grad_norms: Vec<Value> = self.grad_history[since..end]
            .iter()
            .map(|row| row.as_deref().map_or(Value::Null, |r| numbers(r).into()))
            .collect();
        json!({
            "step": self.step,
            "running": self.running,
            "done": self.done,
            "loss": json_num(self.loss),
            "accuracy": self.accuracy,
            "steps_per_second": self.steps_per_second,
            "history": {
                "since": since,
                "loss": numbers(&self.history[since..end]),
                "test_loss": numbers(&self.test_history[since..end]),
                "grad_norms": grad_norms,
            },
            "heatmap": {"size": HEATMAP, "p": numbers(&self.heatmap)},
            "network": self.diagram,
            "error": self.error,
        })
    }
}

/// The shared state, locked; a panic elsewhere does not make it unreadable.
pub(crate) fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The plane the heat map covers: the data's bounding box, widened by a tenth on each side.
pub(crate) fn bounds(plan: &Plan) -> [f64; 4] {
    let mut b = [
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    for r in plan.data.rows() {
        b = [
            b[0].min(r[0]),
            b[1].max(r[0]),
            b[2].min(r[1]),
            b[3].max(r[1]),
        ];
    }
    let (dx, dy) = ((b[1] - b[0]) * 0.1, (b[3] - b[2]) * 0.1);
    [b[0] - dx, b[1] + dx, b[2] - dy, b[3] + dy]
}

/// Runs a session: builds the network, sends its description on `ready`, then obeys `commands`
/// until the channel closes.
pub(crate) fn run(
    plan: Plan,
    commands: Receiver<Command>,
    state: Arc<Mutex<State>>,
    ready: oneshot::Sender<String>,
) {
    let g = Graph::new();
    let mut trainer = Trainer::new(&g, &plan);
    trainer.publish(&state, true);
    if ready.send(trainer.model.to_string()).is_err() {
        return;
    }
    let mut running = false;
    let mut pending: Option<Command> = None;
    // Pacing: the run started at `since` from step `since_step`; steps are due at `rate`.
    let (mut since, mut since_step) = (Instant::now(), 0);
    loop {
        let command = match pending.take() {
            Some(c) => Some(c),
            None if running => match commands.try_recv() {
                Ok(c) => Some(c),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return,
            },
            None => match commands.recv() {
                Ok(c) => Some(c),
                Err(_) => return,
            },
        };
        if let Some(Command { action, done }) = command {
            match action {
                Action::Start => {
                    running = !trainer.done;
                    (since, since_step) = (Instant::now(), trainer.step);
                }
                Action::Pause => running = false,
                Action::Step(n) => {
                    running = false;
                    // At most n steps, and no longer than the budget: the requester waits.
                    let start = Instant::now();
                    for _ in 0..n {
                        if trainer.done || start.elapsed() >= plan.step_budget {
                            break;
                        }
                        trainer.step_and_record();
                    }
                }
                Action::Backprop { .. } => running = false,
            }
            let answer = match action {
                Action::Backprop { point, apply } => trainer.backprop(point, apply),
                _ => Ok(Value::Null),
            };
            trainer.running = running;
            trainer.publish(&state, true);
            // The requester may have gone (its time limit); nothing to tell then.
            let _ = done.send(answer);
            continue;
        }
        trainer.step_and_record();
        if trainer.done {
            running = false;
            trainer.running = false;
            trainer.publish(&state, true);
            continue;
        }
        trainer.publish(&state, false);
        let due = since
            + Duration::from_secs_f64((trainer.step - since_step) as f64 / f64::from(plan.rate));
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            match commands.recv_timeout(wait) {
                Ok(c) => pending = Some(c),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }
}

/// A network being trained, and what has been published of it.
struct Trainer<'g, 'p> {
    g: &'g Graph,
    plan: &'p Plan,
    model: Mlp<'g>,
    params: Params<'g>,
    opt: Box<dyn Optimizer<f64>>,
    /// The data points as constants, made once before the mark.
    inputs: Vec<[Var<'g>; 2]>,
    mark: crate::Mark,
    batches: Batches,
    /// This epoch's batches still to take, the next one last.
    queue: Vec<Vec<usize>>,
    grads: Grads<f64>,
    step: u64,
    running: bool,
    done: bool,
    /// Losses (training, test) and per-layer gradient norms not yet published.
    fresh: Vec<f64>,
    fresh_test: Vec<f64>,
    fresh_grads: Vec<Option<Vec<f64>>>,
    error: Option<String>,
    /// The last heat map and speed measurement: when, and at which step.
    published: (Instant, u64),
    steps_per_second: f64,
}

impl<'g, 'p> Trainer<'g, 'p> {
    fn new(g: &'g Graph, plan: &'p Plan) -> Self {
        let mut rng = StdRng::seed_from_u64(plan.seed);
        let model = Mlp::new(
            g,
            &plan.sizes,
            plan.activation,
            Activation::Linear,
            Init::XavierUniform,
            &mut rng,
        );
        let params = Params::of(&model);
        let inputs = plan
            .data
            .rows()
            .map(|r| [g.constant(r[0]), g.constant(r[1])])
            .collect();
        let batches = Batches::new(plan.data.len(), plan.batch, Some(plan.seed))
            .expect("the configuration checked the batch size");
        let mut trainer = Trainer {
            g,
            plan,
            model,
            params,
            opt: plan.optimizer.build(plan.lr),
            inputs,
            mark: g.mark(),
            batches,
            queue: Vec::new(),
            grads: Grads::new(),
            step: 0,
            running: false,
            done: false,
            fresh: Vec::new(),
            fresh_test: Vec::new(),
            fresh_grads: Vec::new(),
            error: None,
            published: (Instant::now(), 0),
            steps_per_second: 0.0,
        };
        trainer.record(None);
        trainer
    }

    /// Appends the losses on the training and test sets at the current parameters, and the
    /// gradient norms of the step that led there; answers the training loss.
    fn record(&mut self, grad_norms: Option<Vec<f64>>) -> f64 {
        let loss = self.evaluate().0;
        self.fresh.push(loss);
        self.fresh_test.push(self.evaluate_on(&self.plan.test).0);
        self.fresh_grads.push(grad_norms);
        loss
    }

    /// One step, then the loss over the whole set; a failure or the step limit ends training.
    fn step_and_record(&mut self) {
        if self.queue.is_empty() {
            self.queue = self.batches.epoch().map(<[usize]>::to_vec).collect();
            self.queue.reverse();
        }
        let batch = self.queue.pop().expect("an epoch has at least one batch");
        self.step_on_and_record(&batch);
    }

    /// One step on the points `batch`, then the losses; a failure or the step limit ends
    /// training.
    fn step_on_and_record(&mut self, batch: &[usize]) {
        let outcome = self.step_on(batch);
        let failure = outcome.as_ref().err().map(ToString::to_string);
        let loss = self.record(outcome.ok());
        let failure = failure.or_else(|| {
            (!loss.is_finite()).then(|| {
                format!(
                    "the loss is {} after step {}; try a smaller learning rate",
                    json_num(loss),
                    self.step
                )
            })
        });
        if failure.is_some() {
            self.error = failure;
            self.done = true;
        } else if self.step >= self.plan.max_steps {
            self.done = true;
        }
    }

    /// One optimizer step on the points `batch`: mean BCE with logits plus the penalties.
    /// Answers the per-layer norms of the gradient it stepped along.
    fn step_on(&mut self, batch: &[usize]) -> Result<Vec<f64>> {
        let targets = self.plan.data.targets();
        let scores: Vec<Var<'g>> = batch
            .iter()
            .map(|&i| self.model.try_forward(&self.inputs[i]).map(|out| out[0]))
            .collect::<Result<_>>()?;
        let batch_targets: Vec<f64> = batch.iter().map(|&i| targets[i]).collect();
        let mut total = loss::try_bce_with_logits(&scores, &batch_targets)?;
        if self.plan.l1 > 0.0 {
            total += l1_penalty(self.params.vars()) * self.plan.l1;
        }
        if self.plan.l2 > 0.0 {
            total += l2_penalty(self.params.vars()) * self.plan.l2;
        }
        self.g.backward_into(total, &mut self.grads)?;
        self.params.try_load_grads(&self.grads)?;
        self.g.rewind(self.mark);
        let norms = self.layer_norms();
        self.params.try_step(self.opt.as_mut())?;
        self.step += 1;
        Ok(norms)
    }

    /// The Euclidean norm of the loaded gradient over each layer's weights and biases.
    fn layer_norms(&self) -> Vec<f64> {
        let grads = self.params.grads();
        let mut k = 0;
        self.plan
            .sizes
            .windows(2)
            .map(|w| {
                let n = (w[0] + 1) * w[1];
                let norm = grads[k..k + n].iter().map(|g| g * g).sum::<f64>().sqrt();
                k += n;
                norm
            })
            .collect()
    }

    /// The score (logit of label 1) of point `x`, computed from the parameter values without
    /// recording: the same sums as [`Module::predict`], in plain numbers.
    fn score(&self, x: [f64; 2], a: &mut Vec<f64>, b: &mut Vec<f64>) -> f64 {
        self.forward_plain(x, a, b, |_| {})
    }

    /// [`score`](Self::score), showing each layer's outputs to `seen` as they are computed.
    fn forward_plain(
        &self,
        x: [f64; 2],
        a: &mut Vec<f64>,
        b: &mut Vec<f64>,
        mut seen: impl FnMut(&[f64]),
    ) -> f64 {
        let theta = self.params.values();
        let last = self.plan.sizes.len() - 2;
        a.clear();
        a.extend_from_slice(&x);
        let mut k = 0;
        for (l, w) in self.plan.sizes.windows(2).enumerate() {
            b.clear();
            for _ in 0..w[1] {
                let u = a
                    .iter()
                    .zip(&theta[k..k + w[0]])
                    .map(|(x, w)| x * w)
                    .sum::<f64>()
                    + theta[k + w[0]];
                k += w[0] + 1;
                b.push(if l == last {
                    u
                } else {
                    self.plan.activation.eval(u)
                });
            }
            std::mem::swap(a, b);
            seen(a);
        }
        a[0]
    }

    /// The mean binary cross-entropy and the accuracy over the whole training set.
    fn evaluate(&self) -> (f64, f64) {
        self.evaluate_on(&self.plan.data)
    }

    /// The mean binary cross-entropy and the accuracy over `data`.
    fn evaluate_on(&self, data: &Dataset) -> (f64, f64) {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let (mut loss, mut hits) = (0.0, 0usize);
        for (r, &t) in data.rows().zip(data.targets()) {
            let z = self.score([r[0], r[1]], &mut a, &mut b);
            // ℓ = max(z, 0) − z·t + ln(1 + e^(−|z|)), the stable form the loss records.
            loss += z.max(0.0) - z * t + (-z.abs()).exp().ln_1p();
            hits += usize::from((z > 0.0) == (t > 0.5));
        }
        let n = data.len() as f64;
        (loss / n, hits as f64 / n)
    }

    /// P(label 1) = σ(score) at the centre of every heat map cell, top row first.
    fn heatmap(&self) -> Vec<f64> {
        let [x0, x1, y0, y1] = bounds(self.plan);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let cell = |i: usize, lo: f64, hi: f64| lo + (hi - lo) * (i as f64 + 0.5) / HEATMAP as f64;
        let mut p = Vec::with_capacity(HEATMAP * HEATMAP);
        for r in 0..HEATMAP {
            let y = cell(HEATMAP - 1 - r, y0, y1);
            for c in 0..HEATMAP {
                let z = self.score([cell(c, x0, x1), y], &mut a, &mut b);
                p.push(1.0 / (1.0 + (-z).exp()));
            }
        }
        p
    }

    /// Publishes the new losses; the heat map, accuracy and speed too when `all` is set or
    /// [`PUBLISH_EVERY`] has passed.
    fn publish(&mut self, state: &Mutex<State>, all: bool) {
        let elapsed = self.published.0.elapsed();
        let all = all || elapsed >= PUBLISH_EVERY;
        let redraw = all.then(|| (self.heatmap(), self.evaluate().1, self.diagram()));
        if all {
            self.steps_per_second = if self.running && elapsed > Duration::ZERO {
                (self.step - self.published.1) as f64 / elapsed.as_secs_f64()
            } else {
                0.0
            };
            self.published = (Instant::now(), self.step);
        }
        let mut s = lock(state);
        s.history.append(&mut self.fresh);
        s.test_history.append(&mut self.fresh_test);
        s.grad_history.append(&mut self.fresh_grads);
        s.loss = s.history.last().copied().unwrap_or(f64::NAN);
        s.step = self.step;
        s.running = self.running;
        s.done = self.done;
        s.error.clone_from(&self.error);
        if let Some((heatmap, accuracy, diagram)) = redraw {
            s.heatmap = heatmap;
            s.diagram = diagram;
            s.accuracy = accuracy;
            s.steps_per_second = self.steps_per_second;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::Limits;
    use crate::serve::train::config::TrainConfig;

    fn plan(json: &str) -> Plan {
        let config: TrainConfig = serde_json::from_str(json).unwrap();
        config.plan(&Limits::default()).unwrap()
    }

    #[test]
    fn an_answer_carries_at_most_a_page_of_history() {
        let n = HISTORY_PER_ANSWER + 5;
        let state = State {
            history: (0..n).map(|i| i as f64).collect(),
            test_history: (0..n).map(|i| -(i as f64)).collect(),
            grad_history: (0..n)
                .map(|i| (i > 0).then(|| vec![i as f64, 0.5]))
                .collect(),
            ..State::default()
        };
        let page = |since: usize| state.to_json(since)["history"].clone();
        assert_eq!(
            page(0)["loss"].as_array().unwrap().len(),
            HISTORY_PER_ANSWER
        );
        assert_eq!(
            page(HISTORY_PER_ANSWER)["loss"],
            json!([10000.0, 10001.0, 10002.0, 10003.0, 10004.0])
        );
        assert_eq!(
            page(HISTORY_PER_ANSWER + 3)["grad_norms"],
            json!([[10003.0, 0.5], [10004.0, 0.5]])
        );
        assert_eq!(
            page(0)["grad_norms"][0],
            Value::Null,
            "no step before the first"
        );
        assert_eq!(page(0)["test_loss"][2], json!(-2.0));
        assert_eq!(
            page(usize::MAX),
            json!({"since": n, "loss": [], "test_loss": [], "grad_norms": []})
        );
    }

    #[test]
    fn plain_score_is_the_recorded_forward_pass() {
        let plan = plan(r#"{"dataset": "moons", "hidden": [5, 3], "activation": "relu"}"#);
        let g = Graph::new();
        let t = Trainer::new(&g, &plan);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for r in plan.data.rows().take(20) {
            let want = t.model.predict(r)[0];
            let got = t.score([r[0], r[1]], &mut a, &mut b);
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{got} vs {want}"
            );
        }
    }

    #[test]
    fn plain_loss_is_the_recorded_loss() {
        let plan = plan(r#"{"dataset": "circles", "points": 50}"#);
        let g = Graph::new();
        let t = Trainer::new(&g, &plan);
        let scores: Vec<Var<'_>> = t.inputs.iter().map(|x| t.model.forward(x)[0]).collect();
        let want = loss::bce_with_logits(&scores, plan.data.targets()).value();
        let (got, accuracy) = t.evaluate();
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        assert!((0.0..=1.0).contains(&accuracy));
    }

    /// Each layer's gradient norm is that of the gradient backward gives for the step's loss.
    #[test]
    fn gradient_norms_are_per_layer() {
        let plan = plan(r#"{"points": 30, "batch": 30, "hidden": [3, 2], "l2": 0.01}"#);
        let g = Graph::new();
        let mut t = Trainer::new(&g, &plan);
        let scores: Vec<Var<'_>> = t.inputs.iter().map(|x| t.model.forward(x)[0]).collect();
        let total = loss::bce_with_logits(&scores, plan.data.targets())
            + l2_penalty(t.params.vars()) * 0.01;
        let grads = g.backward(total);
        g.rewind(t.mark);
        let want: Vec<f64> = t
            .model
            .layers()
            .iter()
            .map(|l| {
                let sq: f64 = l.parameters().iter().map(|&p| grads[p] * grads[p]).sum();
                sq.sqrt()
            })
            .collect();
        t.step_and_record();
        // The batch is the whole set shuffled: the sums differ in order, so in the last bits.
        let got = t.fresh_grads[1].clone().unwrap();
        assert_eq!((t.fresh_grads[0].clone(), got.len()), (None, 3));
        for (got, want) in got.iter().zip(&want) {
            assert!((got - want).abs() <= 1e-12 * want, "{got} vs {want}");
        }
        assert_eq!(t.fresh_test.len(), 2);
        assert_ne!(t.fresh_test, t.fresh, "the test set is another draw");
    }

    #[test]
    fn full_batch_gradient_descent_lowers_the_loss() {
        let plan =
            plan(r#"{"points": 40, "batch": 40, "optimizer": "adam", "lr": 0.05, "l2": 0.001}"#);
        let g = Graph::new();
        let mut t = Trainer::new(&g, &plan);
        let before = t.evaluate().0;
        for _ in 0..100 {
            t.step_and_record();
        }
        assert_eq!((t.step, t.fresh.len(), t.error.clone()), (100, 101, None));
        assert!(
            t.evaluate().0 < 0.8 * before,
            "{} vs {before}",
            t.evaluate().0
        );
        // Rewinding each step keeps the tape at the parameters and the inputs.
        assert_eq!(g.len(), t.params.len() + 2 * 40);
    }
}
