//! Bad tensor input is a clear error (`try_*`) or a panic naming both shapes (operators),
//! never an index panic inside a kernel.

use tapegrad::{Error, Graph, Slice};

fn shape_err(op: &str, lhs: &[usize], rhs: &[usize]) -> Error {
    Error::Shape {
        op: match op {
            "+" => "+",
            "matmul" => "matmul",
            "reshape" => "reshape",
            "tensor" => "tensor",
            "broadcast_to" => "broadcast_to",
            "concat" => "concat",
            "take_along_axis" => "take_along_axis",
            _ => unreachable!(),
        },
        lhs: lhs.to_vec(),
        rhs: rhs.to_vec(),
    }
}

#[test]
fn try_ops_return_shape_errors() {
    let g = Graph::new();
    let a = g.tensor(&[1.0; 3], &[3]);
    let b = g.tensor(&[1.0; 4], &[4]);
    assert_eq!(a.try_add(b).unwrap_err(), shape_err("+", &[3], &[4]));
    let m = g.tensor(&[1.0; 6], &[2, 3]);
    let n = g.tensor(&[1.0; 8], &[2, 4]);
    assert_eq!(
        m.try_matmul(n).unwrap_err(),
        shape_err("matmul", &[2, 3], &[2, 4])
    );
    assert_eq!(
        m.try_reshape(&[4]).unwrap_err(),
        shape_err("reshape", &[2, 3], &[4])
    );
    assert_eq!(
        g.try_tensor(&[1.0; 5], &[2, 3]).unwrap_err(),
        shape_err("tensor", &[5], &[2, 3])
    );
    assert_eq!(
        m.try_broadcast_to(&[3, 3]).unwrap_err(),
        shape_err("broadcast_to", &[2, 3], &[3, 3])
    );
    assert_eq!(
        g.try_concat(&[m, n], 0).unwrap_err(),
        shape_err("concat", &[2, 3], &[2, 4])
    );
    assert_eq!(
        m.try_take_along_axis(&[0], &[2, 1], 1).unwrap_err(),
        shape_err("take_along_axis", &[1], &[2, 1])
    );
    // A vector is a row on the left (NumPy): (3,) @ (2, 3) has inner dimensions 3 and 2.
    assert_eq!(
        a.try_matmul(m).unwrap_err(),
        shape_err("matmul", &[3], &[2, 3])
    );
    // A scalar is not a matrix: say so instead of guessing.
    let s = g.tensor(&[1.0], &[]);
    assert!(matches!(s.try_matmul(m), Err(Error::Invalid(_))));
}

#[test]
fn bad_axes_labels_and_ranges_are_invalid() {
    let g = Graph::new();
    let m = g.tensor(&[1.0; 6], &[2, 3]);
    for r in [
        m.try_sum_axes(&[2], false),
        m.try_sum_axes(&[0, -2], false),
        m.try_softmax(-3),
        m.try_narrow(1, 2, 2),
        m.try_permute(&[0, 0]),
        m.try_take_along_axis(&[0, 3], &[2, 1], 1),
        m.try_take_along_axis(&[0, 1], &[1, 2], 1),
        m.try_slice(&[Slice::from(..).step(0)]),
        m.try_slice(&[Slice::from(..), Slice::from(..), Slice::from(..)]),
        m.try_transpose(0, 5),
    ] {
        assert!(matches!(r, Err(Error::Invalid(_))), "{r:?}");
    }
    assert!(matches!(g.try_one_hot(&[0, 5], 3), Err(Error::Invalid(_))));
    assert!(matches!(
        g.try_tensor(&[], &[1, 1, 1, 1, 1, 1, 0]),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(m.try_value_at(&[2, 0]), Err(Error::Shape { .. })));
    assert!(matches!(m.try_as_var(), Err(Error::Shape { .. })));
}

#[test]
#[should_panic(expected = "shape mismatch in `*`: [3, 1, 2] vs [4, 3]")]
fn operators_panic_with_both_shapes() {
    let g = Graph::new();
    let a = g.tensor(&[1.0; 6], &[3, 1, 2]);
    let b = g.tensor(&[1.0; 12], &[4, 3]);
    let _ = a * b;
}

#[test]
fn stale_and_foreign_handles_are_errors() {
    let g = Graph::new();
    let h = Graph::new();
    let w = g.tensor(&[1.0, 2.0], &[2]);
    let other = h.tensor(&[1.0, 2.0], &[2]);
    assert!(matches!(w.try_add(other), Err(Error::ForeignGraph { .. })));
    let mark = g.mark();
    let t = w.exp();
    g.rewind(mark);
    assert!(matches!(t.try_shape(), Err(Error::StaleHandle { .. })));
    assert!(matches!(w.try_mul(t), Err(Error::StaleHandle { .. })));
    let grads = g.backward(w.sum());
    assert!(matches!(
        grads.try_tensor(other),
        Err(Error::ForeignGraph { .. })
    ));
    // Computed tensors cannot be overwritten.
    let y = w * 2.0;
    assert!(matches!(
        g.try_set_tensor(y, &[0.0, 0.0]),
        Err(Error::NotALeaf { .. })
    ));
    assert!(matches!(
        g.try_set_tensor(w, &[0.0]),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn gradients_of_unreached_tensors_are_zeros() {
    let g = Graph::new();
    let w = g.tensor(&[1.0, 2.0], &[2]);
    let unused = g.tensor(&[1.0, 2.0, 3.0], &[3]);
    let grads = g.backward((w * w).sum());
    assert_eq!(grads.tensor(w), &[2.0, 4.0]);
    assert_eq!(grads.tensor(unused), &[0.0, 0.0, 0.0]);
    // backward does not mutate: a second call gives the same answer.
    assert_eq!(g.backward((w * w).sum()).tensor(w), &[2.0, 4.0]);
}

#[test]
fn no_grad_records_constants_and_frees_them() {
    let g = Graph::new();
    let w = g.tensor(&[1.0, -2.0], &[2]);
    let before = g.len();
    let v = g.no_grad(|| (w * 3.0).relu().to_vec());
    assert_eq!(v, vec![3.0, 0.0]);
    assert_eq!(g.len(), before);
}

#[test]
fn anomaly_mode_names_the_tensor_op() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let x = g.tensor(&[1.0, 0.0], &[2]);
    let err = x.try_ln().unwrap_err();
    assert!(err.to_string().contains("`log`"), "{err}");
}

/// The messages a new user sees for the two most common shape mistakes say what to fix.
#[test]
fn matmul_and_as_var_messages_say_what_to_fix() {
    let g = Graph::new();
    let a = g.tensor(&[1.0; 12], &[3, 4]);
    assert_eq!(
        a.try_matmul(a).unwrap_err().to_string(),
        "`matmul`: [3, 4] and [3, 4] cannot be multiplied: the inner dimensions differ (4 \
         columns on the left, 3 rows on the right; as PyTorch says, mat1 and mat2 shapes cannot \
         be multiplied (3x4 and 3x4)); did you mean to transpose one of them \
         (`.transpose(-2, -1)`)?"
    );
    // One of each: the counts are singular.
    let row = g.tensor(&[1.0; 2], &[1, 2]);
    assert!(
        row.try_matmul(row)
            .unwrap_err()
            .to_string()
            .contains("(2 columns on the left, 1 row on the right;")
    );
    let col = g.tensor(&[1.0; 2], &[2, 1]);
    assert!(
        col.try_matmul(col)
            .unwrap_err()
            .to_string()
            .contains("(1 column on the left, 2 rows on the right;")
    );
    let b = g.tensor(&[1.0; 24], &[2, 4, 3]);
    let c = g.tensor(&[1.0; 36], &[3, 3, 4]);
    assert_eq!(
        c.try_matmul(b).unwrap_err().to_string(),
        "`matmul`: the batch dimensions of [3, 3, 4] and [2, 4, 3] do not broadcast \
         (everything before the last two dimensions must be equal or 1)"
    );
    let v = g.tensor(&[1.0; 3], &[3]);
    assert_eq!(
        v.try_as_var().unwrap_err().to_string(),
        "`as_var` needs a scalar (rank-0) tensor, got shape [3]: backward needs a scalar loss, \
         so reduce the tensor first (`.sum()` or `.mean()`), or for a vector-Jacobian product \
         multiply by an upstream tensor u of shape [3] and sum: `(t * u).sum()`"
    );
    let r = std::panic::catch_unwind(|| {
        let g = Graph::new();
        g.tensor(&[1.0; 3], &[3]).as_var().value()
    });
    let msg = *r.unwrap_err().downcast::<String>().unwrap();
    assert!(
        msg.starts_with("tapegrad: `as_var` needs a scalar"),
        "{msg}"
    );
}
