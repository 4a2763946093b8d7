//! The generator of [`Fn1`](super::Fn1), [`Fn2`](super::Fn2) and their methods from the rows
//! of the table (`table.rs`).

/// `Some(e)` for a row's `kink: [e]`, `None` for `kink: []`.
macro_rules! opt {
    () => {
        None
    };
    ($($e:tt)+) => {
        Some($($e)+)
    };
}

/// The rows that have an `api` (methods and an expression-language name), as a slice.
macro_rules! public {
    ($E:ident [$($done:tt)*]) => {
        &[$($done)*]
    };
    ($E:ident [$($done:tt)*] $V:ident [] $($rest:tt)*) => {
        public!($E [$($done)*] $($rest)*)
    };
    ($E:ident [$($done:tt)*] $V:ident [$($api:tt)+] $($rest:tt)*) => {
        public!($E [$($done)* $E::$V,] $($rest)*)
    };
}

/// Expands the table into the two function enums, their methods, and the numeric kernels of
/// `f32` and `f64`.
macro_rules! define_primitives {
    (() unary { $(
        $(#[doc = $doc:literal])*
        $U:ident {
            name: $name:literal, api: [$($api:tt)*],
            eval: |$x:ident| $eval:expr;
            local: |$a:ident, $y:ident| $local:expr;
            text: $text:literal;
            kink: [$($kink:tt)*];
        }
    )* }
    binary { $(
        $(#[doc = $doc2:literal])*
        $B:ident {
            name: $name2:literal, api: [$($api2:tt)*],
            eval: |$x2:ident, $z2:ident| $eval2:expr;
            locals: |$a2:ident, $b2:ident, $y2:ident| $locals:expr;
            text: ($text2a:literal, $text2b:literal);
            kink: [$($kname2:literal, |$ka2:ident, $kb2:ident| $kside2:expr)?];
        }
    )* }) => {
        /// Functions of one input: the unary rows of the primitive table (`src/rules/table.rs`),
        /// and `Powi(k)`, `x^k` for a constant integer `k`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Fn1 {
            $( $(#[doc = $doc])* $U, )*
            /// xᵏ, k a constant integer. Derivative: k·xᵏ⁻¹ (0 for k = 0).
            Powi(i32),
        }

        /// Functions of two inputs: the binary rows of the primitive table. For `Powf` the second
        /// input is a constant exponent node.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Fn2 {
            $( $(#[doc = $doc2])* $B, )*
        }

        impl Fn1 {
            /// Every function of one input in the table, in table order (`Powi` aside).
            pub const ALL: &'static [Fn1] = &[$( Fn1::$U, )*];

            /// Every function of one input with a method and a name in the expression language,
            /// in table order.
            pub const PUBLIC: &'static [Fn1] = public!(Fn1 [] $( $U [$($api)*] )*);

            /// The local partial ∂y/∂a, given the input `a` and the output `y`.
            #[inline(always)]
            #[allow(unused_variables)]
            pub fn local<R: Real>(self, a: R, y: R) -> Local<R> {
                match self {
                    $( Fn1::$U => { let ($a, $y) = (a, y); $local } )*
                    Fn1::Powi(k) => powi_local(k, a),
                }
            }

            /// The function's name as written in the expression language.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Fn1::$U => $name, )*
                    Fn1::Powi(_) => "powi",
                }
            }

            /// The local derivative as text, in terms of the input `a` and output `y` (for
            /// traces).
            pub fn derivative_text(self) -> String {
                match self {
                    $( Fn1::$U => $text.into(), )*
                    Fn1::Powi(k) => format!("{k}·a^{}", i64::from(k) - 1),
                }
            }

            /// The name of the kink or pole this function has where its input changes sign
            /// (relu and abs at 0, a negative power at 0), if any: where a finite difference
            /// across 0 means nothing.
            pub fn kink(self) -> Option<&'static str> {
                match self {
                    $( Fn1::$U => opt!($($kink)*), )*
                    Fn1::Powi(k) if k < 0 => Some("a pole of a negative power"),
                    Fn1::Powi(_) => None,
                }
            }
        }

        impl Fn2 {
            /// Every function of two inputs in the table, in table order.
            pub const ALL: &'static [Fn2] = &[$( Fn2::$B, )*];

            /// Every function of two inputs with a method and a name in the expression language.
            pub const PUBLIC: &'static [Fn2] = public!(Fn2 [] $( $B [$($api2)*] )*);

            /// The local partials (∂y/∂a, ∂y/∂b); `None` for an input that takes no gradient
            /// (the exponent of `Powf`).
            #[inline(always)]
            #[allow(unused_variables)]
            pub fn locals<R: Real>(self, a: R, b: R, y: R) -> (Local<R>, Option<Local<R>>) {
                match self {
                    $( Fn2::$B => { let ($a2, $b2, $y2) = (a, b, y); $locals } )*
                }
            }

            /// The operator or function name as written in the expression language.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Fn2::$B => $name2, )*
                }
            }

            /// The local derivatives (∂y/∂a, ∂y/∂b) as text, for traces.
            pub fn derivative_text(self) -> (&'static str, &'static str) {
                match self {
                    $( Fn2::$B => ($text2a, $text2b), )*
                }
            }

            /// The name of this function's kink or pole, if it has one (max and min at a tie,
            /// `/` at a zero divisor); [`kink_side`](Fn2::kink_side) says where the inputs are.
            pub fn kink(self) -> Option<&'static str> {
                match self {
                    $( Fn2::$B => opt!($( $kname2 )?), )*
                }
            }

            /// The kink or pole of this function, if any: its name and the number whose sign
            /// says which side of it the inputs `a`, `b` are on (`a − b` for max and min, the
            /// divisor for `/`).
            #[allow(unused_variables)]
            pub fn kink_side(self, a: f64, b: f64) -> Option<(&'static str, f64)> {
                match self {
                    $( Fn2::$B => opt!($( { let ($ka2, $kb2) = (a, b); ($kname2, $kside2) } )?), )*
                }
            }
        }

        /// The numeric forward of every function, for the element types.
        pub(crate) trait Kernels: Sized {
            /// f(x).
            fn fn1(f: Fn1, x: Self) -> Self;
            /// f(a, b).
            fn fn2(f: Fn2, a: Self, b: Self) -> Self;
        }

        kernels_for!(f32; $( $U |$x| $eval; )* ; $( $B |$x2, $z2| $eval2; )*);
        kernels_for!(f64; $( $U |$x| $eval; )* ; $( $B |$x2, $z2| $eval2; )*);
    };
}

/// The numeric forward for one element type, every row's `eval` typed with it.
macro_rules! kernels_for {
    ($t:ty; $( $U:ident |$x:ident| $eval:expr; )* ;
     $( $B:ident |$a:ident, $b:ident| $eval2:expr; )*) => {
        impl Kernels for $t {
            #[inline(always)]
            fn fn1(f: Fn1, x: $t) -> $t {
                match f {
                    $( Fn1::$U => { let $x: $t = x; $eval } )*
                    Fn1::Powi(k) => x.powi(k),
                }
            }
            #[inline(always)]
            fn fn2(f: Fn2, a: $t, b: $t) -> $t {
                match f {
                    $( Fn2::$B => { let ($a, $b): ($t, $t) = (a, b); $eval2 } )*
                }
            }
        }
    };
}

pub(crate) use {define_primitives, kernels_for, opt, public};

/// The `Var` or `Tensor` methods of every row with an `api`, and their `try_` twins: invoked
/// as `primitives!(crate::rules::methods, Var)` inside `impl Var` (or `Tensor`).
macro_rules! methods {
    (($kind:ident)
     unary { $(
        $(#[doc = $doc:literal])*
        $U:ident { name: $name:literal, api: [$($api:tt)*], $($rest:tt)* }
     )* }
     binary { $(
        $(#[doc = $doc2:literal])*
        $B:ident { name: $name2:literal, api: [$($api2:tt)*], $($rest2:tt)* }
     )* }) => {
        $( $crate::rules::method1!($kind, $U, [$($doc),*], $($api)*); )*
        $( $crate::rules::method2!($kind, $B, [$($doc2),*], $($api2)*); )*
    };
}

/// One function of one input as a method (nothing for a row without an `api`).
macro_rules! method1 {
    ($kind:ident, $U:ident, [$($doc:literal),*], ) => {};
    ($kind:ident, $U:ident, [$($doc:literal),*], $m:ident / $t:ident, $x:expr => $y:expr, $d:expr;
     alias $am:ident / $at:ident) => {
        $crate::rules::method1!($kind, $U, [$($doc),*], $m / $t, $x => $y, $d);

        #[doc = concat!("The other name of [`", stringify!($m), "`](", stringify!($kind), "::",
                        stringify!($m), ").")]
        #[track_caller]
        pub fn $am(self) -> Self {
            self.$m()
        }

        #[doc = concat!("[`", stringify!($am), "`](", stringify!($kind), "::", stringify!($am),
                        ") returning an error for a stale handle.")]
        #[track_caller]
        pub fn $at(self) -> $crate::error::Result<Self> {
            self.$t()
        }
    };
    ($kind:ident, $U:ident, [$($doc:literal),*], $m:ident / $t:ident, $x:expr => $y:expr, $d:expr) => {
        #[doc = $crate::rules::doc_prefix!($kind)]
        $(#[doc = $doc])*
        #[doc = ""]
        #[doc = $crate::rules::example1!($kind, $m, $x, $y, $d)]
        #[track_caller]
        #[inline]
        pub fn $m(self) -> Self {
            $crate::error::or_panic(self.$t())
        }

        #[doc = concat!("[`", stringify!($m), "`](", stringify!($kind), "::", stringify!($m),
                        ") returning an error for a stale handle.")]
        #[track_caller]
        #[inline]
        pub fn $t(self) -> $crate::error::Result<Self> {
            self.record1($crate::rules::Fn1::$U)
        }
    };
}

/// One function of two inputs as a method (nothing for a row without an `api`).
macro_rules! method2 {
    ($kind:ident, $B:ident, [$($doc:literal),*], ) => {};
    ($kind:ident, $B:ident, [$($doc:literal),*], $m:ident / $t:ident,
     ($xa:expr, $xb:expr) => $y:expr, ($da:expr, $db:expr)) => {
        #[doc = $crate::rules::doc_prefix!($kind)]
        $(#[doc = $doc])*
        #[doc = ""]
        #[doc = $crate::rules::example2!($kind, $m, $xa, $xb, $y, $da, $db)]
        #[track_caller]
        #[inline]
        pub fn $m(self, other: Self) -> Self {
            $crate::error::or_panic(self.$t(other))
        }

        #[doc = concat!("[`", stringify!($m), "`](", stringify!($kind), "::", stringify!($m),
                        ") returning an error for a stale or foreign handle (or, for tensors, ",
                        "shapes that do not broadcast).")]
        #[track_caller]
        #[inline]
        pub fn $t(self, other: Self) -> $crate::error::Result<Self> {
            self.record2($crate::rules::Fn2::$B, other)
        }
    };
}

/// The first doc line of a generated method: empty for `Var`, "Elementwise:" for `Tensor`.
macro_rules! doc_prefix {
    (Var) => {
        ""
    };
    (Tensor) => {
        "Elementwise:"
    };
}

/// The doc example of a function of one input: its value and derivative at one point.
macro_rules! example1 {
    (Var, $m:ident, $x:expr, $y:expr, $d:expr) => {
        concat!(
            "```\n# use tapegrad::Graph;\nlet g = Graph::new();\n",
            "let x = g.var(",
            stringify!($x),
            ");\n",
            "let y = x.",
            stringify!($m),
            "();\n",
            "assert_eq!((y.value(), g.backward(y)[x]), (",
            stringify!($y),
            ", ",
            stringify!($d),
            "));\n```"
        )
    };
    (Tensor, $m:ident, $x:expr, $y:expr, $d:expr) => {
        concat!(
            "```\n# use tapegrad::Graph;\nlet g = Graph::new();\n",
            "let x = g.tensor(&[",
            stringify!($x),
            "], &[1]);\n",
            "let y = x.",
            stringify!($m),
            "();\n",
            "let dx = g.backward(y.sum()).tensor(x).to_vec();\n",
            "assert_eq!((y.to_vec(), dx), (vec![",
            stringify!($y),
            "], vec![",
            stringify!($d),
            "]));\n```"
        )
    };
}

/// The doc example of a function of two inputs: its value and both derivatives at one point.
macro_rules! example2 {
    (Var, $m:ident, $xa:expr, $xb:expr, $y:expr, $da:expr, $db:expr) => {
        concat!(
            "```\n# use tapegrad::Graph;\nlet g = Graph::new();\n",
            "let (a, b) = (g.var(",
            stringify!($xa),
            "), g.var(",
            stringify!($xb),
            "));\n",
            "let y = a.",
            stringify!($m),
            "(b);\n",
            "let grads = g.backward(y);\n",
            "assert_eq!((y.value(), grads[a], grads[b]), (",
            stringify!($y),
            ", ",
            stringify!($da),
            ", ",
            stringify!($db),
            "));\n```"
        )
    };
    (Tensor, $m:ident, $xa:expr, $xb:expr, $y:expr, $da:expr, $db:expr) => {
        concat!(
            "```\n# use tapegrad::Graph;\nlet g = Graph::new();\n",
            "let a = g.tensor(&[",
            stringify!($xa),
            "], &[1]);\n",
            "let b = g.tensor(&[",
            stringify!($xb),
            "], &[1]);\n",
            "let y = a.",
            stringify!($m),
            "(b);\n",
            "let grads = g.backward(y.sum());\n",
            "let (da, db) = (grads.tensor(a).to_vec(), grads.tensor(b).to_vec());\n",
            "assert_eq!((y.to_vec(), da, db), (vec![",
            stringify!($y),
            "], vec![",
            stringify!($da),
            "], vec![",
            stringify!($db),
            "]));\n```"
        )
    };
}

pub(crate) use {doc_prefix, example1, example2, method1, method2, methods};
