//! A training configuration as the page sends it, checked against the limits.

use serde::{Deserialize, Serialize};

use crate::data::{self, Dataset};
use crate::nn::optim::{Adagrad, Adam, Optimizer, RmsProp, Sgd};
use crate::nn::scalar::Activation;
use crate::serve::Limits;
use crate::serve::error::ApiError;

/// The data sets, and the noise each has unless told otherwise.
const DATASETS: [(&str, f64); 4] = [
    ("xor", 0.05),
    ("moons", 0.1),
    ("circles", 0.05),
    ("linear", 0.4),
];
const ACTIVATIONS: [(&str, Activation); 4] = [
    ("tanh", Activation::Tanh),
    ("relu", Activation::Relu),
    ("sigmoid", Activation::Sigmoid),
    ("linear", Activation::Linear),
];
const OPTIMIZERS: [(&str, OptimizerKind); 6] = [
    ("sgd", OptimizerKind::Sgd),
    ("momentum", OptimizerKind::Momentum),
    ("nesterov", OptimizerKind::Nesterov),
    ("adam", OptimizerKind::Adam),
    ("rmsprop", OptimizerKind::RmsProp),
    ("adagrad", OptimizerKind::Adagrad),
];

/// The test set's seed is the training seed with these bits flipped: another draw, the same for
/// the same configuration.
const TEST_SEED: u64 = 0x07e5_75e7;

/// `POST /api/train`: every field is optional (see the module docs for the defaults).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct TrainConfig {
    dataset: String,
    points: usize,
    /// The standard deviation of the noise (for "linear", the spread of the two blobs).
    noise: Option<f64>,
    seed: u64,
    hidden: Vec<usize>,
    activation: String,
    optimizer: String,
    lr: f64,
    l1: f64,
    l2: f64,
    batch: usize,
    rate: u32,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            dataset: "xor".into(),
            points: 200,
            noise: None,
            seed: 0,
            hidden: vec![4, 4],
            activation: "tanh".into(),
            optimizer: "sgd".into(),
            lr: 0.03,
            l1: 0.0,
            l2: 0.0,
            batch: 10,
            rate: 100,
        }
    }
}

/// An optimizer by name, built in the training thread (optimizers need not be `Send`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum OptimizerKind {
    Sgd,
    Momentum,
    Nesterov,
    Adam,
    RmsProp,
    Adagrad,
}

impl OptimizerKind {
    /// The optimizer with learning rate `lr` and otherwise PyTorch's defaults (momentum 0.9).
    pub(crate) fn build(self, lr: f64) -> Box<dyn Optimizer<f64>> {
        match self {
            OptimizerKind::Sgd => Box::new(Sgd::new(lr)),
            OptimizerKind::Momentum => Box::new(Sgd::new(lr).momentum(0.9)),
            OptimizerKind::Nesterov => Box::new(Sgd::new(lr).momentum(0.9).nesterov(true)),
            OptimizerKind::Adam => Box::new(Adam::new(lr)),
            OptimizerKind::RmsProp => Box::new(RmsProp::new(lr)),
            OptimizerKind::Adagrad => Box::new(Adagrad::new(lr)),
        }
    }
}

/// A checked configuration: everything the training thread needs.
pub(crate) struct Plan {
    pub(crate) data: Dataset,
    /// Points drawn from the same distribution with another seed, never trained on: the test
    /// loss beside the training loss.
    pub(crate) test: Dataset,
    /// Layer sizes, 2 inputs first and 1 output last.
    pub(crate) sizes: Vec<usize>,
    pub(crate) activation: Activation,
    pub(crate) optimizer: OptimizerKind,
    pub(crate) lr: f64,
    pub(crate) l1: f64,
    pub(crate) l2: f64,
    pub(crate) batch: usize,
    pub(crate) rate: u32,
    pub(crate) seed: u64,
    pub(crate) max_steps: u64,
    /// The longest one step request may train: half the request time limit.
    pub(crate) step_budget: std::time::Duration,
    /// The configuration with every default filled in, as the answer shows it.
    pub(crate) config: TrainConfig,
}

/// What `name` stands for in `table`, else an error listing the names.
fn one_of<T: Copy>(what: &str, name: &str, table: &[(&str, T)]) -> Result<T, ApiError> {
    match table.iter().find(|(n, _)| *n == name) {
        Some(&(_, value)) => Ok(value),
        None => {
            let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            Err(ApiError::bad_request(format!(
                "unknown {what} '{name}'; choose one of {}",
                names.join(", ")
            )))
        }
    }
}

/// `value` if it lies in `range`, else an error naming the field.
fn within(field: &str, value: f64, range: std::ops::RangeInclusive<f64>) -> Result<f64, ApiError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::bad_request(format!(
            "{field} must be between {} and {}; got {value}",
            range.start(),
            range.end()
        )))
    }
}

impl TrainConfig {
    /// Checks every field against `limits` and builds the data set.
    pub(crate) fn plan(mut self, limits: &Limits) -> Result<Plan, ApiError> {
        let default_noise = one_of("data set", &self.dataset, &DATASETS)?;
        let noise = within("noise", self.noise.unwrap_or(default_noise), 0.0..=1.0)?;
        self.noise = Some(noise);
        if !(4..=limits.max_points).contains(&self.points) {
            return Err(ApiError::bad_request(format!(
                "points must be between 4 and {}; got {}",
                limits.max_points, self.points
            )));
        }
        let sizes = self.sizes(limits)?;
        let activation = one_of("activation", &self.activation, &ACTIVATIONS)?;
        let optimizer = one_of("optimizer", &self.optimizer, &OPTIMIZERS)?;
        let lr = within("lr", self.lr, 1e-6..=10.0)?;
        let l1 = within("l1", self.l1, 0.0..=1.0)?;
        let l2 = within("l2", self.l2, 0.0..=1.0)?;
        if !(1..=self.points).contains(&self.batch) {
            return Err(ApiError::bad_request(format!(
                "batch must be between 1 and the number of points ({}); got {}",
                self.points, self.batch
            )));
        }
        if !(1..=limits.max_rate).contains(&self.rate) {
            return Err(ApiError::bad_request(format!(
                "rate must be between 1 and {} steps per second; got {}",
                limits.max_rate, self.rate
            )));
        }
        let (n, seed) = (self.points, self.seed);
        let draw = |seed: u64| match self.dataset.as_str() {
            "xor" => data::xor_points(n, noise, seed),
            "moons" => data::moons(n, noise, seed),
            "circles" => data::circles(n, noise, 0.5, seed),
            _ => data::blobs(n, noise, seed),
        };
        let (data, test) = (draw(seed), draw(seed ^ TEST_SEED));
        Ok(Plan {
            data,
            test,
            sizes,
            activation,
            optimizer,
            lr,
            l1,
            l2,
            batch: self.batch,
            rate: self.rate,
            seed,
            max_steps: limits.max_steps,
            step_budget: limits.request_time / 2,
            config: self,
        })
    }

    /// The layer sizes 2 → hidden… → 1, after checking depth, widths and parameter count.
    fn sizes(&self, limits: &Limits) -> Result<Vec<usize>, ApiError> {
        if self.hidden.len() > limits.max_hidden_layers {
            return Err(ApiError::bad_request(format!(
                "the network has {} hidden layers, more than the limit of {}",
                self.hidden.len(),
                limits.max_hidden_layers
            )));
        }
        if let Some(&w) = self
            .hidden
            .iter()
            .find(|&&w| w == 0 || w > limits.max_width)
        {
            return Err(ApiError::bad_request(format!(
                "a hidden layer of {w} neurons: widths must be between 1 and {}",
                limits.max_width
            )));
        }
        let sizes: Vec<usize> = [2]
            .into_iter()
            .chain(self.hidden.iter().copied())
            .chain([1])
            .collect();
        let parameters = crate::serve::parameters(sizes.iter().copied());
        if parameters > limits.max_parameters {
            return Err(ApiError::bad_request(format!(
                "the network has {parameters} parameters, more than the limit of {}",
                limits.max_parameters
            )));
        }
        Ok(sizes)
    }
}
