//! Knowledge distillation on the digits: a small student MLP learns from the 64-256-10 teacher
//! of the `digits` example through its softened outputs (temperature τ, KL term weighted α,
//! labels' cross-entropy 1 − α; Hinton et al. 2015, PyTorch's distillation tutorial), and is
//! compared with the same student (same initial weights, same split and batches) trained on
//! the labels alone.
//!
//! Run with `cargo run --release --example distill` (`-- --json` prints one line; `--seed N`
//! changes the split and the weights).

#[path = "common/digits.rs"]
mod common;

use tapegrad::nn::distill::Distill;
use tapegrad::nn::train::Verbosity;
use tapegrad::{Graph, Result};

const TEACHER: [usize; 3] = [64, 256, 10];
const STUDENT: [usize; 3] = [64, 8, 10];
const TEMPERATURE: f64 = 4.0;
const ALPHA: f64 = 0.7;

fn main() {
    if let Err(e) = run() {
        eprintln!("distill: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args = common::Args::parse("distill", std::env::temp_dir());
    let (temperature, alpha) = (TEMPERATURE, ALPHA);
    let (train, test) = common::split(args.seed)?;
    let g = Graph::<f32>::default();
    let mut teacher = common::mlp(&g, &TEACHER, args.seed)?;
    let th = common::train(&mut teacher, &train, args.seed, Verbosity::Silent)?;
    let teacher_accuracy = common::accuracy(&mut teacher, &test)?;

    // The same initial student twice: one learns from the labels, one from the teacher too.
    let student_seed = args.seed + 1000;
    let mut alone = common::mlp(&g, &STUDENT, student_seed)?;
    let ah = common::train(&mut alone, &train, args.seed, Verbosity::Silent)?;
    let alone_accuracy = common::accuracy(&mut alone, &test)?;

    let mut student = common::mlp(&g, &STUDENT, student_seed)?;
    let mut distill = Distill::new(&mut student, &mut teacher, temperature, alpha)?;
    let dh = common::train(&mut distill, &train, args.seed, Verbosity::Silent)?;
    let distilled_accuracy = common::accuracy(&mut student, &test)?;

    if args.json {
        println!(
            "{{\"teacher_accuracy\":{teacher_accuracy:.6},\"student_alone_accuracy\":{alone_accuracy:.6},\
             \"student_distilled_accuracy\":{distilled_accuracy:.6},\"temperature\":{temperature},\"alpha\":{alpha}}}"
        );
        return Ok(());
    }
    println!("teacher: {teacher}; student: {student}");
    println!(
        "distillation: τ = {temperature}, α = {alpha} (loss α·τ²·KL(teacher_τ ‖ student_τ) + (1 − α)·cross-entropy)\n"
    );
    println!("model                        epochs   test accuracy");
    println!(
        "teacher                      {:>6}   {:>6.2}%",
        th.epochs(),
        teacher_accuracy * 100.0
    );
    println!(
        "student, labels only         {:>6}   {:>6.2}%",
        ah.epochs(),
        alone_accuracy * 100.0
    );
    println!(
        "student, distilled           {:>6}   {:>6.2}%",
        dh.epochs(),
        distilled_accuracy * 100.0
    );
    println!(
        "\nthe teacher's soft targets changed the student's test accuracy by {:+.2} points",
        (distilled_accuracy - alone_accuracy) * 100.0
    );
    Ok(())
}
