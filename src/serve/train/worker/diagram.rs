//! The network diagram's numbers: what every neuron computes over the plane, and the weights.

use serde_json::{Value, json};

use super::{Trainer, bounds};
use crate::trace::json_num;

/// Each neuron's picture is `NEURON_MAP` × `NEURON_MAP` cells (the page draws it smoothed).
pub(crate) const NEURON_MAP: usize = 16;

/// `x` to 4 significant digits: the diagram is a picture, and full digits would quadruple the
/// size of every poll's answer.
fn picture_digits(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

impl Trainer<'_, '_> {
    /// `{"size": S, "layers": [{"activation": "tanh", "neurons": [{"map": [...], "weights":
    /// [...], "bias": b}, …]}, …]}`: for every neuron of every layer (the output neuron last),
    /// its output on an S × S grid over the plot's bounds (top row first; for the output
    /// neuron the probability σ(score), as the heat map shows it), its incoming weights and
    /// its bias.
    pub(super) fn diagram(&self) -> Value {
        let sizes = &self.plan.sizes;
        let layers = sizes.len() - 1;
        let neurons: usize = sizes[1..].iter().sum();
        let mut maps = vec![Vec::with_capacity(NEURON_MAP * NEURON_MAP); neurons];
        let [x0, x1, y0, y1] = bounds(self.plan);
        let cell =
            |i: usize, lo: f64, hi: f64| lo + (hi - lo) * (i as f64 + 0.5) / NEURON_MAP as f64;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for r in 0..NEURON_MAP {
            let y = cell(NEURON_MAP - 1 - r, y0, y1);
            for c in 0..NEURON_MAP {
                let mut k = 0;
                let score = self.forward_plain([cell(c, x0, x1), y], &mut a, &mut b, |outs| {
                    if k + outs.len() < neurons {
                        for &v in outs {
                            maps[k].push(picture_digits(v));
                            k += 1;
                        }
                    }
                });
                maps[neurons - 1].push(picture_digits(1.0 / (1.0 + (-score).exp())));
            }
        }
        let theta = self.params.values();
        let (mut k, mut n) = (0, 0);
        let out: Vec<Value> = sizes
            .windows(2)
            .enumerate()
            .map(|(l, w)| {
                let row: Vec<Value> = (0..w[1])
                    .map(|_| {
                        let weights: Vec<Value> =
                            theta[k..k + w[0]].iter().map(|&v| json_num(v)).collect();
                        let bias = json_num(theta[k + w[0]]);
                        k += w[0] + 1;
                        n += 1;
                        json!({"map": &maps[n - 1], "weights": weights, "bias": bias})
                    })
                    .collect();
                let activation = if l + 1 == layers {
                    "linear".to_string()
                } else {
                    self.plan.activation.name()
                };
                json!({"activation": activation, "neurons": row})
            })
            .collect();
        json!({"size": NEURON_MAP, "layers": out})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Graph;
    use crate::nn::scalar::Module;
    use crate::serve::Limits;
    use crate::serve::train::config::TrainConfig;

    #[test]
    fn picture_digits_keeps_four() {
        assert_eq!(picture_digits(0.123456), 0.1235);
        assert_eq!(picture_digits(-98765.0), -98770.0);
        assert_eq!(picture_digits(0.0), 0.0);
        assert!(picture_digits(f64::NAN).is_nan());
    }

    /// Every neuron's map is its recorded output at the cell centres (the hidden neurons') or
    /// σ of the recorded score (the output's), and the weights are the parameters.
    #[test]
    fn maps_are_the_recorded_neurons() {
        let config: TrainConfig =
            serde_json::from_str(r#"{"hidden": [3, 2], "activation": "tanh"}"#).unwrap();
        let plan = config.plan(&Limits::default()).unwrap();
        let g = Graph::new();
        let t = Trainer::new(&g, &plan);
        let d = t.diagram();
        let layers = d["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 3);
        assert_eq!(layers[0]["activation"], "tanh");
        assert_eq!(layers[2]["activation"], "linear");
        let [x0, x1, y0, y1] = bounds(&plan);
        // Cell (row 2, column 5).
        let x = x0 + (x1 - x0) * 5.5 / NEURON_MAP as f64;
        let y = y0 + (y1 - y0) * (NEURON_MAP as f64 - 2.5) / NEURON_MAP as f64;
        let at = 2 * NEURON_MAP + 5;
        let input = [g.constant(x), g.constant(y)];
        let mut h = input.to_vec();
        for (l, layer) in t.model.layers().iter().enumerate() {
            h = layer.forward(&h);
            for (j, neuron) in layer.neurons().iter().enumerate() {
                let shown = &layers[l]["neurons"][j];
                let want = if l == 2 {
                    1.0 / (1.0 + (-h[j].value()).exp())
                } else {
                    h[j].value()
                };
                let got = shown["map"][at].as_f64().unwrap();
                assert!(
                    (got - want).abs() <= 5e-4 * want.abs().max(1e-3),
                    "{got} vs {want}"
                );
                assert_eq!(shown["bias"].as_f64().unwrap(), neuron.bias().value());
                for (i, w) in neuron.weights().iter().enumerate() {
                    assert_eq!(shown["weights"][i].as_f64().unwrap(), w.value());
                }
            }
        }
    }
}
