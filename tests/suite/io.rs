//! Saving and loading parameters (safetensors), history files and loss-curve plots.

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::io::{
    ModelFileProblem, from_safetensors_bytes, load_safetensors, read_safetensors, save_safetensors,
    to_safetensors_bytes,
};
use tapegrad::nn::Init;
use tapegrad::nn::scalar::{Activation, Mlp};
use tapegrad::nn::train::{History, MlpModel, Trainable};
use tapegrad::{Error, Float, Graph};

fn model<'g, T: Float>(g: &'g Graph<T>, sizes: &[usize], seed: u64) -> MlpModel<'g, T> {
    MlpModel::new(Mlp::new(
        g,
        sizes,
        Activation::Relu,
        Activation::Linear,
        Init::PyTorch,
        &mut StdRng::seed_from_u64(seed),
    ))
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tapegrad_test_{}_{name}", std::process::id()))
}

/// The JSON header of a safetensors file: 8-byte little-endian length, then the JSON.
fn header(bytes: &[u8]) -> serde_json::Value {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    serde_json::from_slice(&bytes[8..8 + n]).unwrap()
}

#[test]
fn save_then_load_is_bit_exact_f64() {
    let g = Graph::new();
    let a = model(&g, &[3, 5, 2], 1);
    let mut b = model(&g, &[3, 5, 2], 2);
    assert_ne!(a.flat_values(), b.flat_values());
    let path = temp("roundtrip.safetensors");
    save_safetensors(&a, &path).unwrap();
    load_safetensors(&mut b, &path).unwrap();
    std::fs::remove_file(&path).ok();
    let bits = |m: &MlpModel| {
        m.flat_values()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&a), bits(&b));
    // The loaded values are in the graph too: both models compute the same outputs.
    use tapegrad::nn::scalar::Module;
    let x = [0.3, -1.0, 2.0];
    assert_eq!(a.mlp().predict(&x), b.mlp().predict(&x));
}

#[test]
fn save_then_load_is_bit_exact_f32() {
    let g = Graph::<f32>::default();
    let a = model(&g, &[2, 4, 1], 1);
    let mut b = model(&g, &[2, 4, 1], 2);
    let bytes = to_safetensors_bytes(&a, &[]).unwrap();
    assert_eq!(header(&bytes)["layers.0.weight"]["dtype"], "F32");
    from_safetensors_bytes(&mut b, &bytes).unwrap();
    let bits = |m: &MlpModel<f32>| {
        m.flat_values()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&a), bits(&b));
}

#[test]
fn the_file_holds_one_named_tensor_per_weight_matrix_and_bias() {
    let g = Graph::new();
    let a = model(&g, &[3, 2, 1], 0);
    let bytes = to_safetensors_bytes(&a, &[("format", "pt")]).unwrap();
    let h = header(&bytes);
    assert_eq!(h["__metadata__"]["format"], "pt");
    assert_eq!(h["layers.0.weight"]["dtype"], "F64");
    assert_eq!(h["layers.0.weight"]["shape"], serde_json::json!([2, 3]));
    assert_eq!(h["layers.0.bias"]["shape"], serde_json::json!([2]));
    assert_eq!(h["layers.1.weight"]["shape"], serde_json::json!([1, 2]));
    assert_eq!(h["layers.1.bias"]["shape"], serde_json::json!([1]));
    // Row-major [outputs, inputs]: row j holds neuron j's weights.
    let neuron1 = a.mlp().layers()[0].neurons()[1].weights();
    let tensors = read_safetensors(&bytes).unwrap();
    let w0 = tensors
        .iter()
        .find(|t| t.name == "layers.0.weight")
        .unwrap();
    let want: Vec<f64> = neuron1.iter().map(|w| w.value()).collect();
    assert_eq!(&w0.values[3..6], want.as_slice());
    // The data offsets in the header point at those little-endian f64 bytes.
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let start = h["layers.0.weight"]["data_offsets"][0].as_u64().unwrap() as usize;
    let at = 8 + n + start + 3 * 8;
    assert_eq!(
        f64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()),
        want[0]
    );
}

#[test]
fn a_wrong_shape_fails_naming_the_tensor_and_leaves_the_model_unchanged() {
    let g = Graph::new();
    let small = model(&g, &[3, 4, 1], 0);
    let mut other = model(&g, &[3, 5, 1], 1);
    let before = other.flat_values();
    let bytes = to_safetensors_bytes(&small, &[]).unwrap();
    let err = from_safetensors_bytes(&mut other, &bytes).unwrap_err();
    assert!(matches!(
        &err,
        Error::ModelFile { tensor: Some(t), problem: ModelFileProblem::Shape { .. }, .. }
            if t == "layers.0.weight"
    ));
    assert_eq!(
        err.to_string(),
        "model file: tensor \"layers.0.weight\" has shape [4, 3] in the file, the model needs [5, 3]"
    );
    assert_eq!(other.flat_values(), before);
}

#[test]
fn a_wrong_dtype_fails_naming_the_tensor() {
    let g32 = Graph::<f32>::default();
    let a = model(&g32, &[2, 2, 1], 0);
    let bytes = to_safetensors_bytes(&a, &[]).unwrap();
    let g = Graph::new();
    let mut b = model(&g, &[2, 2, 1], 0);
    let err = from_safetensors_bytes(&mut b, &bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "model file: tensor \"layers.0.weight\" has dtype F32 in the file, the model needs F64"
    );
}

#[test]
fn missing_extra_and_garbage_are_clear_errors() {
    let g = Graph::new();
    let deep = model(&g, &[2, 2, 2, 1], 0);
    let mut shallow = model(&g, &[2, 2, 1], 0);
    // The deep file has layers.0 and layers.2 as extra; layers.1 has the wrong shape first.
    let err = from_safetensors_bytes(&mut shallow, &to_safetensors_bytes(&deep, &[]).unwrap())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("tensor \"layers.1.weight\" has shape [2, 2]"),
        "{err}"
    );
    let mut deep2 = model(&g, &[2, 2, 2, 1], 1);
    let err = from_safetensors_bytes(&mut deep2, &to_safetensors_bytes(&shallow, &[]).unwrap())
        .unwrap_err();
    assert!(
        err.to_string().contains("tensor \"layers.1.weight\""),
        "{err}"
    );
    // A file with an extra tensor (the shallow model plus one more).
    let a = model(&g, &[2, 2, 1], 0);
    let t = read_safetensors(&to_safetensors_bytes(&a, &[]).unwrap()).unwrap();
    let mut owned: Vec<(String, Vec<usize>, Vec<u8>)> = t
        .iter()
        .map(|t| {
            let b = t.values.iter().flat_map(|v| v.to_le_bytes()).collect();
            (t.name.clone(), t.shape.clone(), b)
        })
        .collect();
    owned.push(("head.weight".into(), vec![1], 1f64.to_le_bytes().to_vec()));
    let views: Vec<_> = owned
        .iter()
        .map(|(n, s, b)| {
            (
                n.clone(),
                safetensors::tensor::TensorView::new(safetensors::Dtype::F64, s.clone(), b)
                    .unwrap(),
            )
        })
        .collect();
    let bytes = safetensors::serialize(views, None).unwrap();
    let mut c = model(&g, &[2, 2, 1], 5);
    let err = from_safetensors_bytes(&mut c, &bytes).unwrap_err();
    assert!(
        err.to_string()
            == "model file: tensor \"head.weight\" is in the file but not in the model (the file is \
                of a different architecture)",
        "{err}"
    );

    let err = from_safetensors_bytes(&mut c, b"not a safetensors file").unwrap_err();
    assert!(
        err.to_string()
            == "model file: not a safetensors file: its first 8 bytes say the header is \
                7021991845529153390 bytes long, but only 14 bytes follow",
        "{err}"
    );
    let err = load_safetensors(&mut c, temp("does_not_exist.safetensors")).unwrap_err();
    assert!(err.to_string().contains("cannot read"), "{err}");
}

fn history() -> History {
    let mut h = History::new(vec!["loss".into(), "val_loss".into(), "lr".into()]);
    h.push(vec![1.0, 1.25, 0.1]).unwrap();
    h.push(vec![0.5, 0.1 + 0.2, 0.1]).unwrap();
    h.push(vec![0.25, f64::NAN, 0.05]).unwrap();
    h
}

#[test]
fn history_csv_has_a_header_and_round_trippable_numbers() {
    let mut out = Vec::new();
    history().write_csv(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "epoch,loss,val_loss,lr\n0,1,1.25,0.1\n1,0.5,0.30000000000000004,0.1\n2,0.25,NaN,0.05\n"
    );
    let second: f64 = text
        .lines()
        .nth(2)
        .unwrap()
        .split(',')
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(second, 0.1 + 0.2);
    let path = temp("history.csv");
    history().save_csv(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    std::fs::remove_file(&path).ok();
}

#[test]
fn history_json_is_keras_layout_with_nan_as_a_string() {
    let mut h = history();
    assert_eq!(
        h.to_json().to_string(),
        r#"{"epoch":[0,1,2],"loss":[1.0,0.5,0.25],"lr":[0.1,0.1,0.05],"val_loss":[1.25,0.30000000000000004,"nan"]}"#
    );
    h.best_epoch = Some(1);
    let v = h.to_json();
    assert_eq!(
        (v["best_epoch"].as_u64(), v["stopped_epoch"].is_null()),
        (Some(1), true)
    );
    let path = temp("history.json");
    h.save_json(&path).unwrap();
    let back: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(back, v);
}

#[test]
fn plots_are_written_as_png_and_svg() {
    let h = history();
    let png = temp("loss.png");
    h.plot(&png).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    std::fs::remove_file(&png).ok();
    assert!(bytes.len() > 1000, "{} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    let svg = temp("loss.svg");
    h.plot(&svg).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    std::fs::remove_file(&svg).ok();
    assert!(
        text.trim_start().starts_with("<svg"),
        "{}",
        &text[..40.min(text.len())]
    );
    assert!(text.trim_end().ends_with("</svg>"));
    assert!(
        text.contains("val_loss") && text.contains("<polyline"),
        "legend and curves"
    );

    let err = h.plot(temp("loss.jpg")).unwrap_err();
    assert!(
        err.to_string().contains("must end in .png or .svg"),
        "{err}"
    );
    let err = History::new(vec!["lr".into()])
        .plot(temp("x.svg"))
        .unwrap_err();
    assert!(err.to_string().contains("nothing to plot"), "{err}");
}
