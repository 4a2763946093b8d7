//! Hostile safetensors files: every problem is an `Error::ModelFile` naming the tensor and
//! what is wrong, found from the header before anything is allocated for what it claims.

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::io::{ModelFileProblem, from_safetensors_bytes, read_safetensors};
use tapegrad::nn::Init;
use tapegrad::nn::scalar::{Activation, Mlp};
use tapegrad::nn::train::{MlpModel, Trainable};
use tapegrad::{Error, Graph};

/// A file with this JSON header and `data` bytes after it.
fn file(header: &str, data: usize) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend(std::iter::repeat_n(0u8, data));
    out
}

/// The tensor and message of a model-file error.
fn model_file_error(
    result: tapegrad::Result<impl std::fmt::Debug>,
) -> (Option<String>, ModelFileProblem, String) {
    match result {
        Err(e @ Error::ModelFile { .. }) => {
            let text = e.to_string();
            let Error::ModelFile {
                tensor, problem, ..
            } = e
            else {
                unreachable!()
            };
            (tensor, problem, text)
        }
        other => panic!("expected a model-file error, got {other:?}"),
    }
}

#[test]
fn a_tensor_claiming_a_trillion_elements_is_refused_without_allocating_them() {
    let bytes = file(
        r#"{"w":{"dtype":"F64","shape":[1000000,1000000],"data_offsets":[0,8]}}"#,
        8,
    );
    let info = allocation_counter::measure(|| {
        let (tensor, problem, text) = model_file_error(read_safetensors(&bytes));
        assert_eq!(tensor.as_deref(), Some("w"));
        assert!(matches!(problem, ModelFileProblem::Data(_)));
        assert_eq!(
            text,
            "model file: tensor \"w\" has 8 bytes of data, but shape [1000000, 1000000] of F64 \
             needs 8000000000000"
        );
    });
    assert!(
        info.bytes_max < 64 * 1024,
        "{} bytes allocated",
        info.bytes_max
    );

    let bytes = file(
        r#"{"w":{"dtype":"F32","shape":[18446744073709551615,2],"data_offsets":[0,0]}}"#,
        0,
    );
    let (tensor, _, text) = model_file_error(read_safetensors(&bytes));
    assert_eq!(tensor.as_deref(), Some("w"));
    assert!(
        text.ends_with("more elements than the file can hold"),
        "{text}"
    );
}

#[test]
fn truncated_overlapping_and_misplaced_data_name_the_tensor() {
    let (tensor, _, text) = model_file_error(read_safetensors(&file(
        r#"{"w":{"dtype":"F64","shape":[4],"data_offsets":[0,32]}}"#,
        16,
    )));
    assert_eq!(tensor.as_deref(), Some("w"));
    assert_eq!(
        text,
        "model file: tensor \"w\" has data offsets [0, 32], outside the file's 16 bytes of data"
    );

    let overlapping = r#"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},
                          "b":{"dtype":"F64","shape":[2],"data_offsets":[8,24]}}"#;
    let (tensor, _, text) = model_file_error(read_safetensors(&file(overlapping, 24)));
    assert_eq!(tensor.as_deref(), Some("b"));
    assert!(
        text.ends_with("has data from byte 8, which overlaps tensor \"a\""),
        "{text}"
    );

    let gap = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
    let (_, _, text) = model_file_error(read_safetensors(&file(gap, 8)));
    assert!(
        text.ends_with("leaves the first 4 bytes of the data unused"),
        "{text}"
    );

    let trailing = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    let (tensor, _, text) = model_file_error(read_safetensors(&file(trailing, 12)));
    assert_eq!(tensor, None);
    assert!(
        text.ends_with("the file has 8 bytes of data after its last tensor's"),
        "{text}"
    );

    // The header's length is more than the file holds.
    let mut short = file(trailing, 4);
    short.truncate(20);
    let (tensor, problem, _) = model_file_error(read_safetensors(&short));
    assert_eq!(tensor, None);
    assert!(matches!(problem, ModelFileProblem::Header(_)));
}

#[test]
fn wrong_and_unknown_dtypes_and_malformed_entries_name_the_tensor() {
    let ints = file(
        r#"{"n":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}"#,
        8,
    );
    let (tensor, problem, _) = model_file_error(read_safetensors(&ints));
    assert_eq!(
        (tensor.as_deref(), problem),
        (Some("n"), ModelFileProblem::NotFloat("I32".into()))
    );

    for (entry, message) in [
        (
            r#"{"dtype":"F65","shape":[1],"data_offsets":[0,8]}"#,
            "has an unknown dtype \"F65\"",
        ),
        (
            r#"{"shape":[1],"data_offsets":[0,8]}"#,
            "has no dtype (a string)",
        ),
        (
            r#"{"dtype":"F64","shape":[-1],"data_offsets":[0,8]}"#,
            "has no shape (a list of non-negative integers)",
        ),
        (
            r#"{"dtype":"F64","shape":[1],"data_offsets":[0]}"#,
            "has 1 data offsets, not 2 (begin and end)",
        ),
        (
            r#"{"dtype":"F64","shape":[1],"data_offsets":[0,8],"x":1}"#,
            "has an unknown field \"x\"",
        ),
        (
            r#"[1]"#,
            "is not an object with dtype, shape and data_offsets",
        ),
    ] {
        let bytes = file(&format!(r#"{{"t":{entry}}}"#), 8);
        let (tensor, problem, text) = model_file_error(read_safetensors(&bytes));
        assert_eq!(tensor.as_deref(), Some("t"), "{entry}");
        assert!(matches!(problem, ModelFileProblem::Entry(_)), "{entry}");
        assert_eq!(text, format!("model file: tensor \"t\" {message}"));
    }
}

#[test]
fn loading_checks_every_tensor_before_changing_the_model() {
    let g = Graph::new();
    let mut rng = StdRng::seed_from_u64(0);
    let mut model = MlpModel::new(Mlp::new(
        &g,
        &[1, 1],
        Activation::Tanh,
        Activation::Linear,
        Init::PyTorch,
        &mut rng,
    ));
    let before = model.flat_values();
    // The weight is fine, the bias is missing: nothing is loaded.
    let weight_only = file(
        r#"{"layers.0.weight":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]}}"#,
        8,
    );
    let (tensor, problem, text) =
        model_file_error(from_safetensors_bytes(&mut model, &weight_only));
    assert_eq!(tensor.as_deref(), Some("layers.0.bias"));
    assert_eq!(
        problem,
        ModelFileProblem::Missing {
            shape: vec![1],
            file_has: vec!["layers.0.weight".into()]
        }
    );
    assert_eq!(
        text,
        "model file: tensor \"layers.0.bias\" (shape [1]) is missing from the file (it has: layers.0.weight)"
    );
    assert_eq!(model.flat_values(), before);
    // Both present and of the right kind: loaded.
    let both = file(
        r#"{"layers.0.weight":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]},
            "layers.0.bias":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}"#,
        16,
    );
    from_safetensors_bytes(&mut model, &both).unwrap();
    assert_eq!(model.flat_values(), vec![0.0, 0.0]);
}
