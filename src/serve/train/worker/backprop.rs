//! The backward sweep of one data point's loss through the live network, grouped by neuron.
//!
//! The point's loss is recorded on the session's tape through the network's own neurons and
//! traced with [`Trace`]: the numbers are those `backward` computes, step by step. The page
//! only groups and shows them.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::Trainer;
use crate::Var;
use crate::nn::scalar::{Module, loss};
use crate::tape::Op;
use crate::trace::{Trace, json_num};

/// One neuron's nodes on the tape, by their record ids.
struct NeuronNodes {
    layer: usize,
    index: usize,
    output: usize,
    sum: usize,
    products: Vec<usize>,
    weights: Vec<usize>,
    bias: usize,
    inputs: Vec<usize>,
}

impl Trainer<'_, '_> {
    /// The trace of point `point`'s loss (binary cross-entropy with logits of that point
    /// alone, no penalty) at the current parameters; with `apply`, after one optimizer step on
    /// that point (its loss plus the penalties, as training steps are), the loss before the
    /// step in `"loss_before"`.
    pub(super) fn backprop(&mut self, point: usize, apply: bool) -> Result<Value, String> {
        let n = self.plan.data.len();
        if point >= n {
            return Err(format!(
                "point must be between 0 and {} (the data set has {n} points); got {point}",
                n - 1
            ));
        }
        let before = if apply {
            if self.done {
                return Err("this session takes no more steps; reset it".into());
            }
            let before = self.recorded_point_loss(point);
            self.g.rewind(self.mark);
            let before = before.map_err(|e| e.to_string())?;
            self.step_on_and_record(&[point]);
            if let Some(e) = &self.error {
                return Err(e.clone());
            }
            Some(before)
        } else {
            None
        };
        let traced = self.trace_point(point);
        self.g.rewind(self.mark);
        let mut out = traced.map_err(|e| e.to_string())?;
        out["step"] = self.step.into();
        if let Some(before) = before {
            out["loss_before"] = json_num(before);
        }
        Ok(out)
    }

    /// Point `point`'s loss as the trace records it (the same bits); the caller rewinds.
    fn recorded_point_loss(&self, point: usize) -> crate::error::Result<f64> {
        let z = self.model.try_forward(&self.inputs[point])?[0];
        let target = self.plan.data.targets()[point];
        Ok(loss::try_bce_with_logits(&[z], &[target])?.value())
    }

    /// Records the point's loss neuron by neuron and traces it; the caller rewinds.
    fn trace_point(&self, point: usize) -> crate::error::Result<Value> {
        let x = self.inputs[point];
        let target = self.plan.data.targets()[point];
        let mut h: Vec<Var<'_>> = x.to_vec();
        let mut recorded = Vec::new(); // (layer, index, neuron, its inputs, its output)
        for (l, layer) in self.model.layers().iter().enumerate() {
            let mut next = Vec::with_capacity(layer.nout());
            for (j, neuron) in layer.neurons().iter().enumerate() {
                let y = neuron.try_call(&h)?;
                recorded.push((l, j, neuron, h.clone(), y));
                next.push(y);
            }
            h = next;
        }
        let score = h[0];
        let loss = loss::try_bce_with_logits(&[score], &[target])?;
        let trace = Trace::try_new(self.g, loss)?.with_limit(None);

        let id: HashMap<_, usize> = trace.nodes().iter().map(|n| (n.key, n.id)).collect();
        let of = |v: Var<'_>| id[&v.key()];
        let neurons: Vec<NeuronNodes> = recorded
            .iter()
            .map(|(layer, index, neuron, inputs, y)| {
                let output = of(*y);
                let node = trace
                    .node(output)
                    .expect("the loss depends on every neuron");
                let sum = match node.op {
                    Op::Sum { .. } => output,
                    _ => node.inputs[0],
                };
                let terms = &trace.node(sum).expect("its sum too").inputs;
                NeuronNodes {
                    layer: *layer,
                    index: *index,
                    output,
                    sum,
                    products: terms[..terms.len() - 1].to_vec(),
                    weights: neuron.weights().iter().map(|&w| of(w)).collect(),
                    bias: of(neuron.bias()),
                    inputs: inputs.iter().map(|&v| of(v)).collect(),
                }
            })
            .collect();

        // Which neuron each computed node belongs to; the rest is the loss.
        let mut owner: HashMap<usize, usize> = HashMap::new();
        for (k, nn) in neurons.iter().enumerate() {
            for &node in nn.products.iter().chain([&nn.sum, &nn.output]) {
                owner.insert(node, k);
            }
        }
        // Groups in the order the sweep reaches them; the loss's steps come first.
        let mut order: Vec<Option<usize>> = Vec::new();
        let mut steps: Vec<Vec<usize>> = Vec::new();
        for (s, step) in trace.steps().iter().enumerate() {
            let group = owner.get(&step.node).copied();
            match order.iter().position(|&g| g == group) {
                Some(p) => steps[p].push(s),
                None => {
                    order.push(group);
                    steps.push(vec![s]);
                }
            }
        }
        let name = |i: usize| format!("n{i}");
        let names = |ids: &[usize]| ids.iter().map(|&i| name(i)).collect::<Vec<_>>();
        let groups: Vec<Value> = order
            .iter()
            .zip(&steps)
            .map(|(group, steps)| match group {
                None => json!({"layer": null, "steps": steps}),
                Some(k) => {
                    let nn = &neurons[*k];
                    json!({
                        "layer": nn.layer,
                        "neuron": nn.index,
                        "output": name(nn.output),
                        "sum": name(nn.sum),
                        "products": names(&nn.products),
                        "weights": names(&nn.weights),
                        "bias": name(nn.bias),
                        "inputs": names(&nn.inputs),
                        "steps": steps,
                    })
                }
            })
            .collect();
        Ok(json!({
            "point": point,
            "x": [x[0].value(), x[1].value()],
            "label": target,
            "score": json_num(score.value()),
            "loss": json_num(loss.value()),
            "inputs": [name(of(x[0])), name(of(x[1]))],
            "groups": groups,
            "trace": trace.to_json_value(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Graph;
    use crate::serve::Limits;
    use crate::serve::train::config::TrainConfig;

    fn trainer_answer(config: &str, point: usize) {
        let config: TrainConfig = serde_json::from_str(config).unwrap();
        let plan = config.plan(&Limits::default()).unwrap();
        let g = Graph::new();
        let mut t = Trainer::new(&g, &plan);
        for _ in 0..5 {
            t.step_and_record();
        }
        let answer = t.backprop(point, false).unwrap();
        assert_eq!(g.len(), t.params.len() + 2 * plan.data.len(), "rewound");

        // The weights' gradients shown are backward's, bit for bit, on a loss recorded anew.
        let z = t.model.forward(&t.inputs[point])[0];
        let l = loss::bce_with_logits(&[z], &[plan.data.targets()[point]]);
        let grads = g.backward(l);
        assert_eq!(answer["loss"].as_f64().unwrap(), l.value());
        g.rewind(t.mark);
        let trace = &answer["trace"];
        let final_grad = |id: &Value| {
            let id = id.as_str().unwrap();
            trace["gradients"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["id"] == id)
                .map(|v| v["grad"].as_f64().unwrap())
                .unwrap()
        };
        let groups = answer["groups"].as_array().unwrap();
        assert_eq!(
            groups[0]["layer"],
            Value::Null,
            "the loss's steps come first"
        );
        let neurons: usize = plan.sizes[1..].iter().sum();
        assert_eq!(groups.len(), neurons + 1);
        let mut covered: Vec<u64> = groups
            .iter()
            .flat_map(|gr| gr["steps"].as_array().unwrap().iter())
            .map(|s| s.as_u64().unwrap())
            .collect();
        covered.sort_unstable();
        let steps = trace["steps"].as_array().unwrap().len() as u64;
        assert_eq!(covered, (0..steps).collect::<Vec<_>>(), "every step once");
        for gr in &groups[1..] {
            let (l, j) = (
                gr["layer"].as_u64().unwrap(),
                gr["neuron"].as_u64().unwrap(),
            );
            let neuron = &t.model.layers()[l as usize].neurons()[j as usize];
            for (w, id) in neuron
                .weights()
                .iter()
                .zip(gr["weights"].as_array().unwrap())
            {
                assert_eq!(final_grad(id), grads[*w], "w of neuron {l}.{j}");
            }
            assert_eq!(final_grad(&gr["bias"]), grads[neuron.bias()]);
            // A neuron's steps are its own nodes: activation (if any), sum, products.
            let own: Vec<&Value> = gr["products"]
                .as_array()
                .unwrap()
                .iter()
                .chain([&gr["sum"], &gr["output"]])
                .collect();
            for s in gr["steps"].as_array().unwrap() {
                let node = &trace["steps"][s.as_u64().unwrap() as usize]["node"];
                assert!(own.contains(&node), "{node} in neuron {l}.{j}");
            }
        }
    }

    #[test]
    fn the_sweep_of_a_point_is_backwards_grouped_by_neuron() {
        trainer_answer(r#"{"hidden": [3, 2], "activation": "tanh"}"#, 7);
        trainer_answer(
            r#"{"dataset": "moons", "hidden": [4], "activation": "relu"}"#,
            0,
        );
        trainer_answer(r#"{"hidden": [2, 2, 2], "activation": "sigmoid"}"#, 199);
        trainer_answer(r#"{"hidden": [], "activation": "linear"}"#, 3);
    }

    #[test]
    fn applying_steps_on_the_point_and_lowers_its_loss() {
        let config: TrainConfig = serde_json::from_str(r#"{"lr": 0.5}"#).unwrap();
        let plan = config.plan(&Limits::default()).unwrap();
        let g = Graph::new();
        let mut t = Trainer::new(&g, &plan);
        let before = t.backprop(11, false).unwrap();
        let after = t.backprop(11, true).unwrap();
        assert_eq!(t.step, 1);
        assert_eq!(after["loss_before"], before["loss"]);
        assert!(after["loss"].as_f64().unwrap() < before["loss"].as_f64().unwrap());
        assert!(
            t.backprop(200, false)
                .unwrap_err()
                .contains("between 0 and 199")
        );
    }
}
