#!/usr/bin/env python3
"""Regenerates tests/suite/tensor_numpy.rs: literal values of a few tensor ops (and two gradients
derived by hand in NumPy), so the Rust tests compare against an independent implementation.

NumPy is needed only here, never by the crate. Run it from the repository root in a virtual
environment outside the repository:

    python3 -m venv ../npvenv && ../npvenv/bin/pip install numpy
    ../npvenv/bin/python tools/gen_tensor_literals.py > tests/suite/tensor_numpy.rs
    rustfmt --edition 2024 tests/suite/tensor_numpy.rs
"""
import numpy as np


def arr(shape, seed):
    """Deterministic, non-trivial values: sin of a scaled index, plus a seed offset."""
    n = int(np.prod(shape)) if shape else 1
    return np.sin(np.arange(n, dtype=np.float64) * 0.7 + seed).reshape(shape)


def lit(a):
    a = np.asarray(a, dtype=np.float64).ravel()
    return "&[" + ", ".join(repr(float(v)) for v in a) + "]"


def dims(a):
    return "&[" + ", ".join(str(d) for d in np.shape(a)) + "]"


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


cases = []  # (name, inputs [(name, array)], rust expression, expected array)

a, b = arr((3, 1), 1.0), arr((1, 4), 2.0)
cases.append(("broadcast_mul", [("a", a), ("b", b)], "a * b", a * b))
c, d = arr((2, 3, 4), 3.0), arr((4,), 4.0)
cases.append(("broadcast_add_div", [("c", c), ("d", d)], "(c + d) / (d * d + 1.0)", (c + d) / (d * d + 1.0)))
p, q = arr((2, 2, 3), 5.0), arr((3, 2), 6.0)
cases.append(("batched_matmul", [("p", p), ("q", q)], "p.matmul(q)", p @ q))
x = arr((2, 3, 4), 7.0) * 3.0
cases.append(("softmax_axis1", [("x", x)], "x.softmax(1)", softmax(x, 1)))
cases.append(("log_softmax_last", [("x", x)], "x.log_softmax(-1)", log_softmax(x, -1)))
cases.append(("sum_axes_0_2", [("x", x)], "x.sum_axes(&[0, -1], false)", x.sum(axis=(0, 2))))
cases.append(("mean_axis1_keep", [("x", x)], "x.mean_axes(&[1], true)", x.mean(axis=1, keepdims=True)))
cases.append(("amax_axis2", [("x", x)], "x.amax(&[2], false)", np.amax(x, axis=2)))
# NumPy's axis=(): an empty axis list reduces nothing.
cases.append(("sum_axes_empty", [("x", x)], "x.sum_axes(&[], false)", np.sum(x, axis=())))
cases.append(("mean_axes_empty", [("x", x)], "x.mean_axes(&[], true)", np.mean(x, axis=(), keepdims=True)))
cases.append(("amax_empty", [("x", x)], "x.amax(&[], false)", np.amax(x, axis=())))
cases.append(("permute", [("x", x)], "x.permute(&[2, 0, 1])", np.transpose(x, (2, 0, 1))))
cases.append(("concat_narrow", [("x", x)], "x.graph().concat(&[x, x.narrow(1, 1, 2)], 1)",
              np.concatenate([x, x[:, 1:3]], axis=1)))
# numpy.matmul with 1-D operands: a row on the left, a column on the right, that axis removed.
v, M, Bt = arr((4,), 12.0), arr((4, 3), 13.0), arr((2, 4, 3), 14.0)
N, u = arr((3, 4), 15.0), arr((4,), 16.0)
cases.append(("matmul_vec_mat", [("v", v), ("m", M)], "v.matmul(m)", np.matmul(v, M)))
cases.append(("matmul_mat_vec", [("n", N), ("v", v)], "n.matmul(v)", np.matmul(N, v)))
cases.append(("matmul_dot", [("v", v), ("u", u)], "v.matmul(u)", np.matmul(v, u)))
cases.append(("matmul_vec_batch", [("v", v), ("b", Bt)], "v.matmul(b)", np.matmul(v, Bt)))
cases.append(("matmul_batch_vec", [("b", np.transpose(Bt, (0, 2, 1))), ("v", v)], "b.matmul(v)",
              np.matmul(np.transpose(Bt, (0, 2, 1)), v)))
# Python slices with steps of either sign, bounds from the end and out of range.
X = arr((4, 5, 6), 17.0)
slc = "&[Slice::new(Some(1), Some(4), 2), Slice::from(..).step(-1), Slice::new(Some(-2), Some(0), -2)]"
cases.append(("slice_steps", [("x", X)], f"x.slice({slc})", X[1:4:2, ::-1, -2:0:-2]))
cases.append(("slice_clamped", [("x", X)], "x.slice(&[Slice::new(Some(-10), Some(10), 3), Slice::from(3..)])",
              X[-10:10:3, 3:]))
cases.append(("slice_empty", [("x", X)], "x.slice(&[Slice::new(Some(3), Some(1), 1)])", X[3:1:1]))
# take_along_axis on any axis, several (repeated) indices per row, the axis kept.
I0 = (np.arange(2 * 5 * 6).reshape(2, 5, 6) * 7) % 4
I1 = (np.arange(4 * 3 * 6).reshape(4, 3, 6) * 5) % 5
I2 = np.array([[[5, 0, 5, 2]] * 5] * 4)
for name, idx, ax in [("take_along_axis0", I0, 0), ("take_along_axis1", I1, 1), ("take_along_axis_last", I2, -1)]:
    cases.append((name, [("x", X)], f"x.take_along_axis(&{list(map(int, idx.ravel()))}, {dims(idx)}, {ax})",
                  np.take_along_axis(X, idx, axis=ax)))
# A Linear layer from given tensors: weight [nout, nin] (PyTorch's layout), y = x Wᵀ + b.
LW, LB, LX = arr((2, 3), 18.0), arr((2,), 19.0), arr((4, 3), 20.0)
cases.append(("linear_from_tensors", [("w", LW), ("b", LB), ("x", LX)],
              "Linear::from_tensors(w, b, Activation::Tanh).forward(x)", np.tanh(LX @ LW.T + LB)))
cases.append(("tanh_sigmoid", [("x", x)], "x.tanh() * x.sigmoid()", np.tanh(x) / (1 + np.exp(-x))))

grads = []  # (name, inputs, rust loss expression, [(input name, expected gradient)], loss or None)

# L = Σ W ⊙ (A @ B): ∂L/∂A = W Bᵀ, ∂L/∂B = Aᵀ W
A, B, W = arr((3, 4), 8.0), arr((4, 2), 9.0), arr((3, 2), 10.0)
grads.append(("matmul_grad", [("a", A), ("b", B), ("w", W)],
              "(a.matmul(b) * w.detach()).sum()", [("a", W @ B.T), ("b", A.T @ W)], None))
# L = Σ w ⊙ (v @ A): ∂v = A w, ∂A = v ⊗ w;  L = Σ w ⊙ (A @ v): ∂A = w ⊗ v, ∂v = Aᵀ w
Wv = arr((3,), 21.0)
grads.append(("matmul_vec_mat_grad", [("v", v), ("m", M), ("w", Wv)], "(v.matmul(m) * w.detach()).sum()",
              [("v", M @ Wv), ("m", np.outer(v, Wv))], float(np.sum(Wv * (v @ M)))))
grads.append(("matmul_mat_vec_grad", [("n", N), ("v", v), ("w", Wv)], "(n.matmul(v) * w.detach()).sum()",
              [("n", np.outer(Wv, v)), ("v", N.T @ Wv)], float(np.sum(Wv * (N @ v)))))
# L = v · u: ∂v = u, ∂u = v
grads.append(("matmul_dot_grad", [("v", v), ("u", u)], "v.matmul(u).sum()", [("v", u), ("u", v)], float(v @ u)))
# L = Σ W ⊙ x[slice]: the slice's positions are distinct, so ∂x is W placed back, zeros elsewhere.
Sx = X[1:4:2, ::-1, -2:0:-2]
Ws = arr(Sx.shape, 22.0)
dX = np.zeros_like(X)
dX[1:4:2, ::-1, -2:0:-2] = Ws
grads.append(("slice_grad", [("x", X), ("w", Ws)], f"(x.slice({slc}) * w.detach()).sum()", [("x", dX)],
              float(np.sum(Ws * Sx))))
# L = Σ W ⊙ take_along_axis(x, I, 1): ∂x[.., I[.., j, ..], ..] += W[.., j, ..] (repeats add up).
Wt = arr(I1.shape, 23.0)
dT = np.zeros_like(X)
for m in np.ndindex(I1.shape):
    dT[m[0], I1[m], m[2]] += Wt[m]
grads.append(("take_along_axis_grad", [("x", X), ("w", Wt)],
              f"(x.take_along_axis(&{list(map(int, I1.ravel()))}, {dims(I1)}, 1) * w.detach()).sum()",
              [("x", dT)], float(np.sum(Wt * np.take_along_axis(X, I1, axis=1)))))
# mse(p, y) = mean((p − y)²): ∂p = 2(p − y)/n, ∂y = −2(p − y)/n
P, Y = arr((3, 4), 24.0), arr((3, 4), 25.0)
grads.append(("mse_grad", [("p", P), ("y", Y)], "mse(p, y)",
              [("p", 2 * (P - Y) / P.size), ("y", -2 * (P - Y) / P.size)], float(np.mean((P - Y) ** 2))))
# bce_with_logits(z, y) = mean(max(z, 0) − z y + ln(1 + e^−|z|)): ∂z = (σ(z) − y)/n, ∂y = −z/n
Zb, Yb = arr((2, 3), 26.0) * 4.0, (arr((2, 3), 27.0) + 1.0) / 2.0
sig = 1.0 / (1.0 + np.exp(-Zb))
bce = np.mean(np.maximum(Zb, 0) - Zb * Yb + np.log1p(np.exp(-np.abs(Zb))))
grads.append(("bce_with_logits_grad", [("z", Zb), ("y", Yb)], "bce_with_logits(z, y)",
              [("z", (sig - Yb) / Zb.size), ("y", -Zb / Zb.size)], float(bce)))
# L = −mean(log_softmax(Z)[r, y_r]): ∂L/∂Z = (softmax(Z) − onehot(y)) / n
Z = arr((4, 3), 11.0) * 2.0
y = [2, 0, 1, 1]
oh = np.eye(3)[y]
grads.append(("cross_entropy_grad", [("z", Z)], "cross_entropy(z, &[2, 0, 1, 1])",
              [("z", (softmax(Z, -1) - oh) / 4.0)], float(-np.mean(log_softmax(Z, -1)[np.arange(4), y]))))
# (N, C, d) logits, labels shaped (N, d), the classes on axis 1 (PyTorch's layout).
Z3 = arr((2, 3, 4), 28.0) * 2.0
y3 = (np.arange(8).reshape(2, 4) * 2) % 3
oh3 = np.transpose(np.eye(3)[y3], (0, 2, 1))
ce3 = -np.mean(np.take_along_axis(log_softmax(Z3, 1), y3[:, None, :], axis=1))
grads.append(("cross_entropy_spatial_grad", [("z", Z3)], f"cross_entropy(z, &{list(map(int, y3.ravel()))})",
              [("z", (softmax(Z3, 1) - oh3) / 8.0)], float(ce3)))
# Probability targets: L = mean over rows of −Σ_c y_c log_softmax(z)_c;
# ∂z = (softmax(z) Σ_c y_c − y)/n, ∂y = −log_softmax(z)/n
Yp = softmax(arr((4, 3), 29.0), -1)
grads.append(("cross_entropy_probs_grad", [("z", Z), ("y", Yp)], "cross_entropy_probs(z, y)",
              [("z", (softmax(Z, -1) * Yp.sum(-1, keepdims=True) - Yp) / 4.0), ("y", -log_softmax(Z, -1) / 4.0)],
              float(-np.mean(np.sum(Yp * log_softmax(Z, -1), axis=-1)))))

print("//! Literal values generated by tools/gen_tensor_literals.py with NumPy (do not edit by hand;")
print("//! rerun the script). Each test compares one op, or one gradient derived by hand in NumPy.")
print("//! Regenerated with NumPy " + np.__version__ + ".")
print()
print("use tapegrad::nn::functional::{bce_with_logits, cross_entropy, cross_entropy_probs, mse};")
print("use tapegrad::nn::scalar::Activation;")
print("use tapegrad::nn::tensor::Linear;")
print("use tapegrad::{Graph, Slice};")
print()
print("fn close(got: &[f64], want: &[f64]) {")
print("    assert_eq!(got.len(), want.len());")
print("    for (i, (g, w)) in got.iter().zip(want).enumerate() {")
print('        assert!((g - w).abs() <= 1e-12 * (1.0 + w.abs()), "element {i}: {g} vs NumPy {w}");')
print("    }")
print("}")
for name, inputs, expr, want in cases:
    print()
    print("#[test]")
    print(f"fn {name}() {{")
    print("    let g = Graph::new();")
    for n, v in inputs:
        print(f"    let {n} = g.tensor({lit(v)}, {dims(v)});")
    print(f"    let y = {expr};")
    print(f"    assert_eq!(y.shape(), Vec::<usize>::from({dims(want)[1:]}));")
    print(f"    close(&y.to_vec(), {lit(want)});")
    print("}")
for name, inputs, expr, wants, value in grads:
    print()
    print("#[test]")
    print(f"fn {name}() {{")
    print("    let g = Graph::new();")
    for n, v in inputs:
        print(f"    let {n} = g.tensor({lit(v)}, {dims(v)});")
    print(f"    let loss = {expr};")
    if value is not None:
        print(f"    close(&[loss.value()], &[{value!r}]);")
    print("    let grads = g.backward(loss);")
    for n, v in wants:
        print(f"    close(grads.tensor({n}), {lit(v)});")
    print("}")
