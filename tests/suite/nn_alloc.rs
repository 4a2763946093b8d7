//! Optimizer steps allocate nothing after the first one (the state is allocated once).
//!
//! Counted with `allocation-counter` (per thread, so parallel tests do not disturb it).

use tapegrad::nn::optim::{Adagrad, Adam, AdamW, Optimizer, RmsProp, Sgd};
use tapegrad::nn::scalar::Params;
use tapegrad::{Grads, Graph};

fn allocations(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

/// Allocations made by 10 steps after a first (warm-up) step.
fn steady_state(opt: &mut impl Optimizer<f64>) -> u64 {
    let mut theta = vec![0.5; 1000];
    let grads: Vec<f64> = (0..1000).map(|i| (i as f64).sin()).collect();
    opt.step(&mut theta, &grads);
    allocations(|| {
        for _ in 0..10 {
            opt.step(&mut theta, &grads);
            opt.try_begin_step(1000).unwrap();
            opt.try_update(0, &mut theta[..400], &grads[..400]).unwrap();
            opt.try_update(400, &mut theta[400..], &grads[400..])
                .unwrap();
        }
    })
}

#[test]
fn optimizers_do_not_allocate_per_step() {
    assert_eq!(steady_state(&mut Sgd::new(0.1)), 0);
    assert_eq!(
        steady_state(&mut Sgd::new(0.1).momentum(0.9).nesterov(true)),
        0
    );
    assert_eq!(steady_state(&mut Adagrad::new(0.1).weight_decay(0.1)), 0);
    assert_eq!(
        steady_state(&mut RmsProp::new(0.1).centered(true).momentum(0.5)),
        0
    );
    assert_eq!(steady_state(&mut Adam::new(0.1).amsgrad(true)), 0);
    assert_eq!(steady_state(&mut AdamW::new(0.1)), 0);
}

#[test]
fn params_gather_and_store_do_not_allocate() {
    let g = Graph::new();
    let ws: Vec<_> = (0..50).map(|i| g.var(i as f64 * 0.01)).collect();
    let mut params = Params::new(ws.clone());
    let mut grads = Grads::new();
    let mut opt = Adam::new(0.01);
    let step = g.mark();
    let mut run = |params: &mut Params<'_>, grads: &mut Grads<f64>| {
        let loss = g.sum(&ws) * 2.0;
        g.backward_into(loss, grads).unwrap();
        g.rewind(step);
        allocations(|| {
            params.load_grads(grads);
            params.step(&mut opt);
        })
    };
    run(&mut params, &mut grads); // first step allocates the optimizer's state
    assert_eq!(run(&mut params, &mut grads), 0);
    assert!((ws[0].value() - (0.0 - 2.0 * 0.01)).abs() < 1e-9);
}

/// The counter does see allocations (so the zeros above mean something).
#[test]
fn counter_counts() {
    let n = allocations(|| {
        let v: Vec<f64> = Vec::with_capacity(10);
        std::hint::black_box(v);
    });
    assert_eq!(n, 1);
}
