//! RNN and LSTM cells: gradients over three unrolled steps against central finite differences
//! (and the recorded gradient against the numeric one), a Hessian-vector product through the
//! LSTM, one LSTM step against the formulas evaluated by hand in f64, and shape errors.

use crate::tensor_common;

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::nn::tensor::{LstmCell, RnnCell};
use tapegrad::{Error, Graph, Tensor};
use tensor_common::{Input, check_grad, check_hvp};

const N: usize = 2; // batch
const I: usize = 3; // input features
const H: usize = 2; // hidden units
const STEPS: usize = 3;

/// Parameters `[w_ih, w_hh, b_ih, b_hh]` of a cell with `gates` gate blocks, then the
/// sequence `(STEPS, N, I)` and the initial state(s) `(N, H)`.
fn inputs(gates: usize, states: usize) -> Vec<Input> {
    let r = gates * H;
    let mut v = vec![
        Input::new(&[r, I], 1, -0.8, 0.8),
        Input::new(&[r, H], 2, -0.8, 0.8),
        Input::new(&[r], 3, -0.5, 0.5),
        Input::new(&[r], 4, -0.5, 0.5),
        Input::new(&[STEPS, N, I], 5, -1.0, 1.0),
    ];
    v.extend((0..states).map(|k| Input::new(&[N, H], 6 + k as u64, -1.0, 1.0)));
    v
}

fn sequence<'g>(xs: Tensor<'g>) -> Vec<Tensor<'g>> {
    (0..STEPS).map(|t| xs.index(0, t)).collect()
}

/// Every hidden state of the 3-step unrolled LSTM and its final cell state, joined.
fn lstm_outputs<'g>(t: &[Tensor<'g>]) -> Tensor<'g> {
    let cell = LstmCell::from_parameters([t[0], t[1], t[2], t[3]]).unwrap();
    let (mut hs, (_, c)) = cell.unroll(&sequence(t[4]), (t[5], t[6])).unwrap();
    hs.push(c);
    t[0].graph().concat(&hs, 0)
}

#[test]
fn lstm_gradients_over_three_steps_match_finite_differences() {
    // Every parameter, every input step and both initial states.
    check_grad(&inputs(4, 2), lstm_outputs);
}

#[test]
fn rnn_gradients_over_three_steps_match_finite_differences() {
    check_grad(&inputs(1, 1), |t: &[Tensor]| {
        let cell = RnnCell::from_parameters([t[0], t[1], t[2], t[3]]).unwrap();
        let hs = cell.unroll(&sequence(t[4]), t[5]).unwrap();
        t[0].graph().concat(&hs, 0)
    });
}

#[test]
fn hvp_through_the_unrolled_lstm() {
    check_hvp(&inputs(4, 2), |t: &[Tensor]| lstm_outputs(t).powi(2).sum());
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[test]
fn one_lstm_step_follows_the_gate_formulas() {
    // I = H = 1: gate k's pre-activation is a_k = wi[k]·x + bi[k] + wh[k]·h + bh[k], gates in
    // the order i, f, g, o.
    let (wi, wh) = ([0.5, -0.3, 0.8, 0.1], [0.2, 0.4, -0.6, 0.7]);
    let (bi, bh) = ([0.1, 0.2, -0.1, 0.0], [0.05, -0.05, 0.3, 0.2]);
    let (x, h, c) = (0.9, -0.4, 0.6);
    let a: Vec<f64> = (0..4)
        .map(|k| wi[k] * x + bi[k] + wh[k] * h + bh[k])
        .collect();
    let (i, f, gg, o) = (sigmoid(a[0]), sigmoid(a[1]), a[2].tanh(), sigmoid(a[3]));
    let c2 = f * c + i * gg;
    let h2 = o * c2.tanh();

    let g = Graph::new();
    let cell = LstmCell::from_parameters([
        g.tensor(&wi, &[4, 1]),
        g.tensor(&wh, &[4, 1]),
        g.tensor(&bi, &[4]),
        g.tensor(&bh, &[4]),
    ])
    .unwrap();
    let state = (g.tensor(&[h], &[1, 1]), g.tensor(&[c], &[1, 1]));
    let (th, tc) = cell.try_forward(g.tensor(&[x], &[1, 1]), state).unwrap();
    assert!((th.item() - h2).abs() < 1e-15, "{} vs {h2}", th.item());
    assert!((tc.item() - c2).abs() < 1e-15, "{} vs {c2}", tc.item());
    // ∂c'/∂c = f (the forget gate passes the cell state through), by hand.
    let grads = g.backward(tc.sum());
    assert!((grads.tensor(state.1)[0] - f).abs() < 1e-15);
}

#[test]
fn shapes_that_do_not_fit_are_errors() {
    let g = Graph::new();
    let z = |s: &[usize]| g.zeros(s);
    let err = LstmCell::from_parameters([z(&[8, 3]), z(&[8, 3]), z(&[8]), z(&[8])]).unwrap_err();
    assert_eq!(
        err,
        Error::Shape {
            op: "recurrent cell",
            lhs: vec![8, 3],
            rhs: vec![8, 2],
        }
    );
    // 6 rows are not 4 gate blocks
    assert!(LstmCell::from_parameters([z(&[6, 3]), z(&[6, 1]), z(&[6]), z(&[6])]).is_err());
    assert!(RnnCell::from_parameters([z(&[2, 3]), z(&[2, 2]), z(&[3]), z(&[2])]).is_err());
    let cell = RnnCell::from_parameters([z(&[2, 3]), z(&[2, 2]), z(&[2]), z(&[2])]).unwrap();
    assert_eq!(
        cell.try_forward(z(&[4, 2]), z(&[4, 2])).unwrap_err(),
        Error::Shape {
            op: "recurrent cell",
            lhs: vec![4, 2],
            rhs: vec![4, 2],
        }
    );
    assert!(cell.try_forward(z(&[4, 3]), z(&[5, 2])).is_err());
    assert!(LstmCell::<f64>::try_new(&g, 0, 2, &mut StdRng::seed_from_u64(0)).is_err());
}
