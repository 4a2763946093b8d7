//! Knowledge distillation (Hinton, Vinyals & Dean, 2015): a small student network learns from
//! a larger teacher's softened outputs as well as from the labels.
//!
//! With temperature τ, the teacher's soft targets p = softmax(t/τ) and the student's softened
//! log-probabilities ln q = log_softmax(s/τ), the loss on a batch of B rows is
//!
//! L = α·τ²·KL(p ‖ q) + (1 − α)·CE(s, labels),
//! KL(p ‖ q) = (1/B) Σ_rows Σ_i pᵢ (ln pᵢ − ln qᵢ) (PyTorch's `KLDivLoss(reduction="batchmean")`),
//!
//! as in PyTorch's knowledge-distillation tutorial (its `soft_target_loss_weight` is α and
//! `ce_loss_weight` 1 − α). The τ² keeps the soft term's gradient on the same scale as the hard
//! one's whatever τ: for one row, ∂L/∂sᵢ = (α·τ·(qᵢ − pᵢ) + (1 − α)·(softmax(s)ᵢ − 𝟙[i = label])) / B.
//! The teacher's outputs are constants: no gradient reaches the teacher.
//!
//! [`Distill`] makes a student [`Mlp`] and its teacher one [`Trainable`] model, so
//! [`fit`](crate::nn::train::fit) trains the student by distillation with everything `fit`
//! offers (validation, early stopping on the student's own cross-entropy, schedules).

use crate::error::{Error, Result};
use crate::nn::tensor::Mlp;
use crate::nn::train::{Loss, ParamMut, TensorInfo, Trainable, label};
use crate::real::Float;
use crate::scalar::Var;
use crate::tensor::Tensor;

/// The distillation loss of the module docs for student logits `student` `[rows, k]`, the
/// teacher's logits for the same rows (row-major, `rows · k` plain numbers), the true labels,
/// the temperature τ > 0 and the soft term's weight α ∈ [0, 1].
///
/// Derivative with respect to the student's logits of row r:
/// (α·τ·(q − p) + (1 − α)·(softmax(s) − onehot(label))) / rows.
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::nn::distill::distillation_loss;
/// let g = Graph::new();
/// let s = g.tensor(&[1.0, 0.0], &[1, 2]);
/// // Student and teacher agree: the KL term is 0, the loss is (1 − α)·CE.
/// let l = distillation_loss(s, &[1.0, 0.0], &[0], 2.0, 0.5).unwrap();
/// let ce = (1.0 + (-1.0f64).exp()).ln();
/// assert!((l.value() - 0.5 * ce).abs() < 1e-12);
/// ```
pub fn distillation_loss<'g, T: Float>(
    student: Tensor<'g, T>,
    teacher_logits: &[f64],
    labels: &[usize],
    temperature: f64,
    alpha: f64,
) -> Result<Var<'g, T>> {
    check_hyper(temperature, alpha)?;
    let s = student.try_shape()?;
    if s.len() != 2 || s[0] != labels.len() || teacher_logits.len() != s[0] * s[1] {
        return Err(Error::Shape {
            op: "distillation_loss",
            lhs: s,
            rhs: vec![labels.len(), teacher_logits.len()],
        });
    }
    let (rows, k) = (s[0], s[1]);
    let mut p = Vec::with_capacity(rows * k);
    let mut p_ln_p = 0.0;
    for row in teacher_logits.chunks_exact(k) {
        let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max) / temperature;
        let z: f64 = row.iter().map(|&t| (t / temperature - m).exp()).sum();
        for &t in row {
            let pi = (t / temperature - m).exp() / z;
            // 0 · ln 0 = 0 (the limit).
            if pi > 0.0 {
                p_ln_p += pi * pi.ln();
            }
            p.push(T::from_f64(pi));
        }
    }
    if !p_ln_p.is_finite() {
        return Err(Error::Invalid(
            "distillation_loss: the teacher's logits are not all finite".into(),
        ));
    }
    let g = student.graph();
    let p = g.try_tensor_const(&p, &s)?;
    let inv_t = g.constant(T::from_f64(1.0 / temperature)).as_tensor();
    let log_q = student.try_mul(inv_t)?.try_log_softmax(-1)?;
    let cross = p.try_mul(log_q)?.try_sum()?;
    // KL = (Σ p ln p − Σ p ln q) / B
    let n = T::from_f64(rows as f64);
    let kl = g
        .constant(T::from_f64(p_ln_p))
        .try_sub(cross)?
        .try_div(g.constant(n))?;
    let ce = student
        .try_log_softmax(-1)?
        .pick_last("cross_entropy", labels)?
        .try_mean()?
        .try_neg()?;
    let soft = g.constant(T::from_f64(alpha * temperature * temperature));
    let hard = g.constant(T::from_f64(1.0 - alpha));
    kl.try_mul(soft)?.try_add(ce.try_mul(hard)?)
}

fn check_hyper(temperature: f64, alpha: f64) -> Result<()> {
    if !(temperature.is_finite() && temperature > 0.0 && (0.0..=1.0).contains(&alpha)) {
        return Err(Error::Invalid(format!(
            "distillation needs a temperature > 0 and a weight alpha in [0, 1]; got \
             temperature {temperature}, alpha {alpha}"
        )));
    }
    Ok(())
}

/// A student [`Mlp`] trained on its teacher's softened outputs: a [`Trainable`] model whose
/// parameters, predictions and evaluation are the student's, and whose
/// [`loss_and_grad`](Trainable::loss_and_grad) runs the teacher on the batch (without
/// recording) and returns the [`distillation_loss`] for the batch's labels. Train it with
/// [`Loss::CrossEntropy`], the hard-label term; other losses are an error.
///
/// ```
/// # #[cfg(feature = "datasets")] {
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::{Graph, data};
/// use tapegrad::nn::{Init, optim::Adam, scalar::Activation, tensor::Mlp};
/// use tapegrad::nn::distill::Distill;
/// use tapegrad::nn::train::{FitOptions, Loss, Verbosity, fit};
/// let g = Graph::new();
/// let mut rng = StdRng::seed_from_u64(0);
/// let iris = data::iris();
/// let opts = FitOptions::new(40).batch_size(16).loss(Loss::CrossEntropy)
///     .verbosity(Verbosity::Silent);
/// let mut teacher = Mlp::new(&g, &[4, 32, 3], Activation::Relu, Activation::Linear,
///                            Init::HeUniform, &mut rng);
/// fit(&mut teacher, &iris, &mut Adam::new(0.01), &opts).unwrap();
/// let mut student = Mlp::new(&g, &[4, 4, 3], Activation::Relu, Activation::Linear,
///                            Init::HeUniform, &mut rng);
/// let mut distill = Distill::new(&mut student, &mut teacher, 4.0, 0.5).unwrap();
/// let h = fit(&mut distill, &iris, &mut Adam::new(0.01), &opts).unwrap();
/// assert!(h.last("loss").unwrap() < h.column("loss").unwrap()[0]);
/// # }
/// ```
pub struct Distill<'a, 'g, T: Float> {
    student: &'a mut Mlp<'g, T>,
    teacher: &'a mut dyn Trainable<T>,
    temperature: f64,
    alpha: f64,
    teacher_out: Vec<f64>,
    labels: Vec<usize>,
}

impl<'a, 'g, T: Float> Distill<'a, 'g, T> {
    /// Distills `teacher` into `student` at temperature τ = `temperature` (> 0; Hinton et al.
    /// and PyTorch's tutorial use 2 to 20) with the soft term weighted `alpha` ∈ [0, 1] and the
    /// labels' cross-entropy 1 − α. Errors for hyperparameters out of range or a teacher whose
    /// inputs or outputs differ from the student's.
    pub fn new(
        student: &'a mut Mlp<'g, T>,
        teacher: &'a mut dyn Trainable<T>,
        temperature: f64,
        alpha: f64,
    ) -> Result<Self> {
        check_hyper(temperature, alpha)?;
        if teacher.n_inputs() != student.n_inputs() || teacher.n_outputs() != student.n_outputs() {
            return Err(Error::Invalid(format!(
                "the teacher maps {} inputs to {} outputs, the student {} to {}",
                teacher.n_inputs(),
                teacher.n_outputs(),
                student.n_inputs(),
                student.n_outputs()
            )));
        }
        Ok(Distill {
            student,
            teacher,
            temperature,
            alpha,
            teacher_out: Vec::new(),
            labels: Vec::new(),
        })
    }
}

impl<T: Float> Trainable<T> for Distill<'_, '_, T> {
    fn n_inputs(&self) -> usize {
        self.student.n_inputs()
    }

    fn n_outputs(&self) -> usize {
        self.student.n_outputs()
    }

    fn tensors(&self) -> &[TensorInfo] {
        self.student.tensors()
    }

    fn loss_and_grad(&mut self, x: &[f64], targets: &[f64], loss: Loss) -> Result<f64> {
        if loss != Loss::CrossEntropy {
            return Err(Error::Invalid(format!(
                "distillation trains with the cross_entropy loss (its hard-label term), not {}",
                loss.name()
            )));
        }
        let k = self.n_outputs();
        self.labels.clear();
        for &y in targets {
            self.labels.push(label(y, k)?);
        }
        self.teacher.predict_into(x, &mut self.teacher_out)?;
        let (teacher, labels) = (&self.teacher_out, &self.labels);
        let (t, a) = (self.temperature, self.alpha);
        self.student
            .loss_and_grad_with(x, |z| distillation_loss(z, teacher, labels, t, a))
    }

    fn predict_into(&mut self, x: &[f64], out: &mut Vec<f64>) -> Result<()> {
        self.student.predict_into(x, out)
    }

    fn read_params(&self, f: &mut dyn FnMut(&TensorInfo, &[T])) {
        self.student.read_params(f)
    }

    fn update_params(&mut self, f: &mut dyn FnMut(ParamMut<'_, T>) -> Result<()>) -> Result<()> {
        self.student.update_params(f)
    }
}
