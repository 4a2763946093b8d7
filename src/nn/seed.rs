//! Where a constructor's random numbers come from: a generator the caller owns, or a seed.

use rand::SeedableRng;
use rand::rngs::StdRng;

/// The random numbers a model constructor draws its parameters from: `&mut` a generator you
/// own (it advances as it is used, so two models built from one generator differ), or a plain
/// `u64` seed (a fresh [`StdRng`] seeded with it: the same seed gives the same model, and the
/// call site needs no `rand` at all).
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::nn::{Init, scalar::{Activation, Mlp, Module}};
/// use tapegrad::rand::{SeedableRng, rngs::StdRng};
///
/// let g = Graph::new();
/// let a = Mlp::new(&g, &[2, 3, 1], Activation::Tanh, Activation::Linear, Init::PyTorch, 7);
/// let b = Mlp::new(&g, &[2, 3, 1], Activation::Tanh, Activation::Linear, Init::PyTorch,
///                  &mut StdRng::seed_from_u64(7));
/// let values = |m: &Mlp| m.parameters().iter().map(|p| p.value()).collect::<Vec<_>>();
/// assert_eq!(values(&a), values(&b)); // a seed is StdRng::seed_from_u64(seed)
/// ```
///
/// tapegrad takes rand 0.10's generators (what `cargo add rand` picks) and re-exports that rand
/// as [`tapegrad::rand`](crate::rand). A generator from another version of rand (say an older
/// 0.9) is a different type that does not implement this trait; the compiler then says so and
/// suggests the fixes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a random number generator that tapegrad's constructors take",
    label = "expected `&mut` a rand 0.10 generator, or a `u64` seed",
    note = "tapegrad uses rand 0.10, re-exported as `tapegrad::rand`: build the generator with `tapegrad::rand::rngs::StdRng`, or put `rand = \"0.10\"` in Cargo.toml (a generator from another version of rand is a different type), or pass a seed such as `0u64`"
)]
pub trait RngSource {
    /// The generator the constructor draws from.
    type Rng: rand::Rng;

    /// The generator (the caller's, or one seeded from the given seed).
    fn into_rng(self) -> Self::Rng;
}

impl<'a, R: rand::Rng + ?Sized> RngSource for &'a mut R {
    type Rng = &'a mut R;

    fn into_rng(self) -> Self::Rng {
        self
    }
}

impl RngSource for u64 {
    type Rng = StdRng;

    fn into_rng(self) -> StdRng {
        StdRng::seed_from_u64(self)
    }
}
