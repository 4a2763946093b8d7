//! Learning-rate schedules at given epochs, against numbers worked out by hand.

use tapegrad::nn::optim::{Optimizer, Sgd};
use tapegrad::nn::schedule::{
    CosineLr, ExponentialLr, LinearLr, Mode, ReduceLrOnPlateau, Schedule, StepLr, ThresholdMode,
};

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} vs {b}");
}

#[test]
fn step_lr() {
    // lr₀ = 0.1, step 30, γ = 0.1: 0.1 for t < 30, 0.01 for 30 ≤ t < 60, 0.001 for 60 ≤ t < 90.
    let s = StepLr::new(0.1, 30, 0.1);
    close(s.lr(0), 0.1);
    close(s.lr(29), 0.1);
    close(s.lr(30), 0.01);
    close(s.lr(59), 0.01);
    close(s.lr(60), 0.001);
}

#[test]
fn exponential_lr() {
    // lr₀ = 1, γ = 0.5: 1, 0.5, 0.25, …, 0.5¹⁰ = 1/1024.
    let s = ExponentialLr::new(1.0, 0.5);
    close(s.lr(0), 1.0);
    close(s.lr(2), 0.25);
    close(s.lr(10), 1.0 / 1024.0);
}

#[test]
fn cosine_lr() {
    // lr₀ = 1, η_min = 0.1, T_max = 10: η_min + 0.9·(1 + cos(πt/10))/2.
    // t = 0 → 1; t = 5 → 0.1 + 0.45 = 0.55; t = 10 → 0.1;
    // t = 2 → 0.1 + 0.45·(1 + cos 0.2π) = 0.1 + 0.45·1.8090170 = 0.9140576.
    let s = CosineLr::new(1.0, 10, 0.1);
    close(s.lr(0), 1.0);
    close(s.lr(5), 0.55);
    close(s.lr(10), 0.1);
    assert!((s.lr(2) - 0.9140576).abs() < 1e-7);
}

#[test]
fn linear_lr_is_the_moons_schedule() {
    // lr = 1.0 − 0.9·k/100.
    let s = LinearLr::new(1.0, 1.0, 0.1, 100);
    for k in [0, 1, 37, 99, 100] {
        close(s.lr(k), 1.0 - 0.9 * k as f64 / 100.0);
    }
    close(s.lr(150), 0.1); // stays at the end factor
}

#[test]
fn apply_sets_the_optimizer_rate() {
    let mut opt = Sgd::<f64>::new(0.0);
    ExponentialLr::new(0.2, 0.5).apply(&mut opt, 1);
    close(opt.learning_rate(), 0.1);
}

#[test]
fn reduce_on_plateau() {
    // patience 2, factor 0.5, absolute threshold 0.01.
    let mut s = ReduceLrOnPlateau::new(1.0)
        .patience(2)
        .factor(0.5)
        .threshold(0.01, ThresholdMode::Abs);
    close(s.step(1.0), 1.0); // best 1.0
    close(s.step(0.995), 1.0); // not better by 0.01: bad 1
    close(s.step(0.99), 1.0); // 0.99 < 1.0 − 0.01 is false: bad 2
    close(s.step(0.999), 0.5); // bad 3 > 2: halve, count reset
    close(s.step(0.5), 0.5); // improvement: best 0.5
    close(s.step(0.6), 0.5);
    close(s.step(0.6), 0.5);
    close(s.step(0.6), 0.25);
    close(s.best(), 0.5);
}

#[test]
fn reduce_on_plateau_max_mode_cooldown_and_floor() {
    // Accuracy-like metric, patience 0 (any bad epoch reduces), cooldown 1, min_lr 0.03.
    let mut s = ReduceLrOnPlateau::new(0.1)
        .mode(Mode::Max)
        .patience(0)
        .cooldown(1)
        .min_lr(0.03);
    close(s.step(0.5), 0.1); // best 0.5
    close(s.step(0.4), 0.03); // bad → 0.1·0.1 = 0.01, floored at 0.03; cooldown 1
    close(s.step(0.4), 0.03); // in cooldown: bad epochs not counted
    close(s.step(0.4), 0.03); // bad again: 0.003 floored at 0.03, no change
    close(s.step(0.9), 0.03);
    // Relative threshold: 0.9·(1 + 1e-4) = 0.90009 must be exceeded.
    close(s.best(), 0.9);
}
