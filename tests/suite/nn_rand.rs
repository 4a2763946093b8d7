//! The rand that model constructors take: a user's own `rand = "0.10"`, the re-export
//! `tapegrad::rand` and a plain seed build the same model, and a seed draws the same numbers as
//! it did under rand 0.9, which every seeded figure in the README was measured with.

use rand::seq::SliceRandom;
use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Distribution, Normal, Uniform};
use tapegrad::Graph;
use tapegrad::data::{Batches, moons};
use tapegrad::nn::scalar::{self, Activation, Module};
use tapegrad::nn::tensor;
use tapegrad::nn::{Init, RngSource};

/// The parameter values of a tanh scalar MLP of `sizes` drawn from `rng`.
fn scalar_params(sizes: &[usize], rng: impl RngSource) -> Vec<f64> {
    let g = Graph::new();
    let m = scalar::Mlp::new(
        &g,
        sizes,
        Activation::Tanh,
        Activation::Linear,
        Init::PyTorch,
        rng,
    );
    m.parameters().iter().map(|p| p.value()).collect()
}

/// The parameter tensors of a 4-6-3 ReLU tensor MLP (f32) drawn from `rng`.
fn tensor_params(rng: impl RngSource) -> Vec<Vec<f32>> {
    let g = Graph::<f32>::default();
    let m = tensor::Mlp::new(
        &g,
        &[4, 6, 3],
        Activation::Relu,
        Activation::Linear,
        Init::HeUniform,
        rng,
    );
    m.named_parameters()
        .into_iter()
        .map(|(_, p)| p.to_vec())
        .collect()
}

#[test]
fn a_users_rand_and_the_reexport_are_one_crate() {
    // `cargo add rand` picks 0.10, the rand tapegrad takes: the two paths name one type, so a
    // generator from either is accepted (this line does not compile when the versions differ).
    let same: fn(rand::rngs::StdRng) -> tapegrad::rand::rngs::StdRng = |r| r;
    let mut r = same(rand::rngs::StdRng::seed_from_u64(0));
    let _: u64 = r.next_u64();
}

#[test]
fn scalar_mlp_from_either_generator_equals_the_seeded_form() {
    let sizes = [2, 5, 3, 1];
    let plain = scalar_params(&sizes, 7);
    let users = scalar_params(&sizes, &mut rand::rngs::StdRng::seed_from_u64(7));
    let reexported = scalar_params(&sizes, &mut tapegrad::rand::rngs::StdRng::seed_from_u64(7));
    assert_eq!(users, plain);
    assert_eq!(reexported, plain);
    // A different seed is a different model, so the equalities above are not vacuous.
    assert_ne!(scalar_params(&sizes, 8), plain);
}

#[test]
fn tensor_mlp_from_either_generator_equals_the_seeded_form() {
    let plain = tensor_params(3);
    assert_eq!(
        tensor_params(&mut rand::rngs::StdRng::seed_from_u64(3)),
        plain
    );
    assert_eq!(
        tensor_params(&mut tapegrad::rand::rngs::StdRng::seed_from_u64(3)),
        plain
    );
    assert_ne!(tensor_params(4), plain);
}

// The literals below were printed by the tree before the move to rand 0.10 (rand 0.9.5,
// rand_distr 0.5.1), by a throw-away program making exactly these calls. rand 0.10 keeps
// StdRng's ChaCha12 stream and its sampling algorithms; these tests fail if a later rand does
// not, which would move every seeded figure in the README.

#[test]
fn a_seed_draws_what_it_drew_under_rand_0_9() {
    let mut r = rand::rngs::StdRng::seed_from_u64(0);
    let words: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
    assert_eq!(
        words,
        [
            13486662071293341567,
            14267822071968393595,
            476749353381333526
        ]
    );
    let uniform: Vec<f64> = (0..3).map(|_| r.random_range(-1.0..1.0)).collect();
    assert_eq!(
        uniform,
        [0.16831852387240032, -0.4756587348549499, 0.5439738114936414]
    );
    let ints: Vec<usize> = (0..3).map(|_| r.random_range(0..1000)).collect();
    assert_eq!(ints, [70, 218, 789]);
    let unit: Vec<f64> = (0..3).map(|_| r.random()).collect();
    assert_eq!(
        unit,
        [0.6173934742793704, 0.5301547247798504, 0.8499831852896459]
    );
    let normal = Normal::new(0.0, 1.0).unwrap();
    let gauss: Vec<f64> = (0..3).map(|_| normal.sample(&mut r)).collect();
    assert_eq!(
        gauss,
        [-0.6768309873836387, -1.4243327975376507, 1.5397928642117964]
    );
    let interval = Uniform::new(-0.5, 0.5).unwrap();
    let inside: Vec<f64> = (0..3).map(|_| interval.sample(&mut r)).collect();
    assert_eq!(
        inside,
        [
            -0.2940204178530641,
            -0.0693994383212646,
            0.15187374372633666
        ]
    );
    let mut order: Vec<usize> = (0..20).collect();
    order.shuffle(&mut r);
    assert_eq!(
        order,
        [
            3, 0, 5, 18, 2, 12, 16, 15, 14, 1, 7, 17, 11, 9, 8, 13, 4, 10, 19, 6
        ]
    );
}

#[test]
fn a_seeded_model_and_data_set_are_those_of_rand_0_9() {
    assert_eq!(
        scalar_params(&[2, 3, 1], 5),
        [
            -0.2232668578176839,
            -0.6977474007122584,
            -0.06430484765425426,
            0.21632173318262649,
            0.3509239413229792,
            -0.19018309594639382,
            -0.44790238054576215,
            0.21810708162644254,
            0.011549384476024493,
            0.35723455796040704,
            0.039536319305052636,
            0.32366830981342454,
            0.26088253611206813,
        ]
    );
    assert_eq!(
        moons(5, 0.1, 3).features(),
        [
            0.19652120110543314,
            0.4007903752411526,
            2.125189835656928,
            0.5275575636509183,
            -1.1422126760103988,
            -0.04419729067454745,
            0.9459762060101535,
            -0.4903487182271818,
            0.9953839825371199,
            0.24947166133661391,
        ]
    );
}

#[test]
fn batches_shuffle_as_std_rng_does_and_a_clone_goes_on_alike() {
    // `Batches` keeps a ChaCha12Rng (StdRng's generator, which can be cloned): the same
    // permutations as StdRng from the same seed.
    let mut batches = Batches::new(12, 5, Some(9)).unwrap();
    let mut std = rand::rngs::StdRng::seed_from_u64(9);
    let mut order: Vec<usize> = (0..12).collect();
    for _ in 0..3 {
        order.shuffle(&mut std);
        let epoch: Vec<usize> = batches.epoch().flatten().copied().collect();
        assert_eq!(epoch, order);
    }
    // A clone made mid-run continues with the permutations the original goes on to draw.
    let mut copy = batches.clone();
    for _ in 0..3 {
        let a: Vec<usize> = batches.epoch().flatten().copied().collect();
        let b: Vec<usize> = copy.epoch().flatten().copied().collect();
        assert_eq!(a, b);
    }
    let mut more = batches.clone();
    let next: Vec<usize> = more.epoch().flatten().copied().collect();
    // The original drew six epochs, so `more`'s first is StdRng's seventh shuffle.
    for _ in 0..4 {
        order.shuffle(&mut std);
    }
    assert_eq!(next, order);
}
