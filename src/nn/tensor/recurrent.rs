//! Recurrent cells built from tensor primitives (matmul, broadcasting add, sigmoid, tanh,
//! elementwise products): [`RnnCell`] and [`LstmCell`], with PyTorch's formulas, parameter
//! layouts and names, and their unrolling over a sequence on the tape.
//!
//! Unrolling records one cell per time step, every step reading the same parameter leaves, so
//! one backward pass is backpropagation through time: each parameter's gradient is the sum of
//! what every step sends it. The loop is iterative (no recursion) and the sequence may be as
//! long as the tape has room for.

use rand::Rng;

use crate::error::{Error, Result, or_panic};
use crate::nn::{Init, RngSource};
use crate::real::Float;
use crate::tape::Graph;
use crate::tensor::Tensor;

/// The two affine maps every cell starts with: x W_ihᵀ + b_ih + h W_hhᵀ + b_hh, for `gates`
/// stacked blocks of `hidden` rows (1 for an RNN, 4 for an LSTM).
#[derive(Clone, Copy, Debug)]
struct Affine<'g, T: Float> {
    w_ih: Tensor<'g, T>,
    w_hh: Tensor<'g, T>,
    b_ih: Tensor<'g, T>,
    b_hh: Tensor<'g, T>,
}

impl<'g, T: Float> Affine<'g, T> {
    /// Parameters drawn as PyTorch does for its cells: every one U(±1/√hidden).
    fn new(
        g: &'g Graph<T>,
        (input, hidden, gates): (usize, usize, usize),
        rng: &mut impl Rng,
    ) -> Result<Self> {
        if input == 0 || hidden == 0 {
            return Err(Error::Invalid(format!(
                "a recurrent cell needs at least one input and one hidden unit; got {input} → \
                 {hidden}"
            )));
        }
        let mut draw = |n: usize| -> Vec<T> {
            (0..n)
                .map(|_| T::from_f64(Init::PyTorch.weight(hidden, hidden, rng)))
                .collect()
        };
        let rows = gates * hidden;
        Self::from_parameters(
            [
                g.try_tensor(&draw(rows * input), &[rows, input])?,
                g.try_tensor(&draw(rows * hidden), &[rows, hidden])?,
                g.try_tensor(&draw(rows), &[rows])?,
                g.try_tensor(&draw(rows), &[rows])?,
            ],
            gates,
        )
    }

    /// Given parameters `[w_ih, w_hh, b_ih, b_hh]`, checked: `(gates·H, I)`, `(gates·H, H)`,
    /// `(gates·H)`, `(gates·H)`.
    fn from_parameters([w_ih, w_hh, b_ih, b_hh]: [Tensor<'g, T>; 4], gates: usize) -> Result<Self> {
        let (si, sh) = (w_ih.try_shape()?, w_hh.try_shape()?);
        let rows = si.first().copied().unwrap_or(0);
        let h = rows / gates;
        let bad = |lhs: Vec<usize>, rhs: Vec<usize>| Error::Shape {
            op: "recurrent cell",
            lhs,
            rhs,
        };
        if si.len() != 2 || rows == 0 || rows % gates != 0 || si[1] == 0 {
            return Err(bad(si, vec![gates, 0]));
        }
        if sh != [rows, h] {
            return Err(bad(sh, vec![rows, h]));
        }
        for b in [b_ih, b_hh] {
            let sb = b.try_shape()?;
            if sb != [rows] {
                return Err(bad(sb, vec![rows]));
            }
        }
        Ok(Affine {
            w_ih,
            w_hh,
            b_ih,
            b_hh,
        })
    }

    fn input(&self) -> usize {
        self.w_ih.shape()[1]
    }

    fn hidden(&self) -> usize {
        self.w_hh.shape()[1]
    }

    /// x W_ihᵀ + b_ih + h W_hhᵀ + b_hh for x `(N, I)` and h `(N, H)`.
    fn apply(&self, x: Tensor<'g, T>, h: Tensor<'g, T>) -> Result<Tensor<'g, T>> {
        let (xs, hs) = (x.try_shape()?, h.try_shape()?);
        if xs.len() != 2 || xs[1] != self.input() || hs != [xs[0], self.hidden()] {
            return Err(Error::Shape {
                op: "recurrent cell",
                lhs: xs,
                rhs: hs,
            });
        }
        let u = x
            .try_matmul(self.w_ih.try_transpose(0, 1)?)?
            .try_add(self.b_ih)?;
        let v = h
            .try_matmul(self.w_hh.try_transpose(0, 1)?)?
            .try_add(self.b_hh)?;
        u.try_add(v)
    }

    fn named(&self) -> [(&'static str, Tensor<'g, T>); 4] {
        [
            ("weight_ih", self.w_ih),
            ("weight_hh", self.w_hh),
            ("bias_ih", self.b_ih),
            ("bias_hh", self.b_hh),
        ]
    }
}

/// A recurrent cell whose input and recurrent affine maps have `GATES` stacked blocks of H
/// rows: [`RnnCell`] (1) and [`LstmCell`] (4), which add their own `try_forward` and `unroll`.
#[derive(Clone, Copy, Debug)]
pub struct RecurrentCell<'g, T: Float, const GATES: usize> {
    affine: Affine<'g, T>,
}

impl<'g, T: Float, const GATES: usize> RecurrentCell<'g, T, GATES> {
    /// A cell of `hidden` units reading `input` features, every parameter U(±1/√hidden) as
    /// PyTorch draws them. Panics for a zero size; see [`try_new`](RecurrentCell::try_new).
    #[track_caller]
    pub fn new(g: &'g Graph<T>, input: usize, hidden: usize, rng: impl RngSource) -> Self {
        or_panic(Self::try_new(g, input, hidden, rng))
    }

    /// [`new`](RecurrentCell::new) returning an error for a zero size.
    pub fn try_new(
        g: &'g Graph<T>,
        input: usize,
        hidden: usize,
        rng: impl RngSource,
    ) -> Result<Self> {
        let rng = &mut rng.into_rng();
        Ok(RecurrentCell {
            affine: Affine::new(g, (input, hidden, GATES), rng)?,
        })
    }

    /// A cell of given parameters `[weight_ih (GATES·H, I), weight_hh (GATES·H, H),
    /// bias_ih (GATES·H), bias_hh (GATES·H)]` (an LSTM's gate blocks in the order i, f, g, o),
    /// or [`Error::Shape`] if they do not fit together.
    pub fn from_parameters(params: [Tensor<'g, T>; 4]) -> Result<Self> {
        Ok(RecurrentCell {
            affine: Affine::from_parameters(params, GATES)?,
        })
    }

    /// The parameters with PyTorch's names: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
    pub fn parameters(&self) -> [(&'static str, Tensor<'g, T>); 4] {
        self.affine.named()
    }

    /// The number of hidden units H.
    pub fn hidden(&self) -> usize {
        self.affine.hidden()
    }
}

/// An Elman RNN cell (PyTorch's `nn.RNNCell` with tanh): h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ
/// + b_hh), x `(N, I)`, h `(N, H)`, W_ih `(H, I)`, W_hh `(H, H)`.
///
/// Derivatives, with a = the pre-activation and G = ∂L/∂h': ∂L/∂a = G ⊙ (1 − h'²),
/// ∂L/∂W_ih = (∂L/∂a)ᵀ x, ∂L/∂W_hh = (∂L/∂a)ᵀ h, ∂L/∂b = Σ_rows ∂L/∂a, ∂L/∂x = (∂L/∂a) W_ih,
/// ∂L/∂h = (∂L/∂a) W_hh (what flows to the previous step).
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::Graph;
/// use tapegrad::nn::tensor::RnnCell;
/// let g = Graph::new();
/// let cell = RnnCell::new(&g, 2, 3, &mut StdRng::seed_from_u64(0));
/// let xs: Vec<_> = (0..5).map(|t| g.full(&[4, 2], t as f64 * 0.1)).collect();
/// let hs = cell.unroll(&xs, g.zeros(&[4, 3])).unwrap();
/// assert_eq!((hs.len(), hs[4].shape()), (5, vec![4, 3]));
/// let grads = g.backward(hs[4].sum()); // backpropagation through all 5 steps
/// assert!(grads.tensor(cell.parameters()[1].1).iter().any(|&d| d != 0.0));
/// ```
pub type RnnCell<'g, T = f64> = RecurrentCell<'g, T, 1>;

impl<'g, T: Float> RnnCell<'g, T> {
    /// One step: the next hidden state `(N, H)` from an input `(N, I)` and a state `(N, H)`,
    /// or [`Error::Shape`] for shapes that do not fit.
    pub fn try_forward(&self, x: Tensor<'g, T>, h: Tensor<'g, T>) -> Result<Tensor<'g, T>> {
        self.affine.apply(x, h)?.try_tanh()
    }

    /// The cell unrolled over a sequence `xs` (each `(N, I)`) from the state `h0`: the hidden
    /// state after every step.
    pub fn unroll(&self, xs: &[Tensor<'g, T>], h0: Tensor<'g, T>) -> Result<Vec<Tensor<'g, T>>> {
        let mut hs = Vec::with_capacity(xs.len());
        let mut h = h0;
        for &x in xs {
            h = self.try_forward(x, h)?;
            hs.push(h);
        }
        Ok(hs)
    }
}

/// An LSTM cell (PyTorch's `nn.LSTMCell`): with the gates stacked as
/// [i; f; g; o] = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh (W_ih `(4H, I)`, W_hh `(4H, H)`),
///
/// i = σ(·), f = σ(·), g = tanh(·), o = σ(·), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
///
/// Built from narrow, sigmoid, tanh, products and sums on the tape, so every derivative is
/// theirs: with upstream (H̄, C̄) = (∂L/∂h', ∂L/∂c'), the total ∂L/∂c' is
/// C̄ + H̄ ⊙ o ⊙ (1 − tanh²c'), and then ∂L/∂o = H̄ ⊙ tanh c', ∂L/∂f = ∂L/∂c' ⊙ c,
/// ∂L/∂i = ∂L/∂c' ⊙ g, ∂L/∂g = ∂L/∂c' ⊙ i, ∂L/∂c = ∂L/∂c' ⊙ f, each gate's pre-activation
/// getting σ' = s(1 − s) or tanh' = 1 − t², and the affine maps as in [`RnnCell`].
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::nn::tensor::LstmCell;
/// let g = Graph::new();
/// // All weights and biases 0: every gate is σ(0) = ½ and g = tanh(0) = 0,
/// // so c' = c/2 and h' = tanh(c/2)/2.
/// let cell = LstmCell::from_parameters([g.zeros(&[4, 1]), g.zeros(&[4, 1]),
///                                       g.zeros(&[4]), g.zeros(&[4])]).unwrap();
/// let (h, c) = cell.try_forward(g.full(&[1, 1], 3.0), (g.zeros(&[1, 1]), g.full(&[1, 1], 2.0)))
///     .unwrap();
/// assert_eq!(c.to_vec(), vec![1.0]);
/// assert_eq!(h.to_vec(), vec![0.5 * 1.0_f64.tanh()]);
/// ```
pub type LstmCell<'g, T = f64> = RecurrentCell<'g, T, 4>;

/// The state of an LSTM: (hidden h, cell c), each `(N, H)`.
pub type LstmState<'g, T> = (Tensor<'g, T>, Tensor<'g, T>);

impl<'g, T: Float> LstmCell<'g, T> {
    /// One step: the next state (h', c') from an input `(N, I)` and a state (h, c), or
    /// [`Error::Shape`] for shapes that do not fit.
    pub fn try_forward(
        &self,
        x: Tensor<'g, T>,
        (h, c): LstmState<'g, T>,
    ) -> Result<LstmState<'g, T>> {
        let z = self.affine.apply(x, h)?;
        let n = self.affine.hidden();
        let gate = |k: usize| z.try_narrow(1, k * n, n);
        let (i, f) = (gate(0)?.try_sigmoid()?, gate(1)?.try_sigmoid()?);
        let (g, o) = (gate(2)?.try_tanh()?, gate(3)?.try_sigmoid()?);
        let c2 = f.try_mul(c)?.try_add(i.try_mul(g)?)?;
        let h2 = o.try_mul(c2.try_tanh()?)?;
        Ok((h2, c2))
    }

    /// The cell unrolled over a sequence `xs` (each `(N, I)`) from `state`: the hidden state
    /// after every step, and the final state.
    pub fn unroll(
        &self,
        xs: &[Tensor<'g, T>],
        state: LstmState<'g, T>,
    ) -> Result<(Vec<Tensor<'g, T>>, LstmState<'g, T>)> {
        let mut hs = Vec::with_capacity(xs.len());
        let mut s = state;
        for &x in xs {
            s = self.try_forward(x, s)?;
            hs.push(s.0);
        }
        Ok((hs, s))
    }
}
