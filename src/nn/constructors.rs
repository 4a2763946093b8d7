//! The constructors the scalar and tensor layers share: a dense layer (`Layer`, `Linear`) is
//! made from `(graph, nin, nout, activation, init, rng)` and an MLP (both `Mlp`s) from
//! `(graph, sizes, hidden, output, init, rng)`, each as `new` and its `try_new` twin. The
//! argument lists are written here once, so the two kinds of layer cannot drift apart; each
//! type gives its docs and its body, in which `rng` is already the generator drawn from the
//! caller's [`RngSource`](super::RngSource).

/// `new` / `try_new(g, nin, nout, activation, init, rng)` of a dense layer (`dense:`), or
/// `new` / `try_new(g, sizes, hidden, output, init, rng)` of an MLP (`mlp:`), inside its `impl`.
macro_rules! layer_new {
    (dense:
        $(#[$new_doc:meta])* new;
        $(#[$try_doc:meta])*
        try_new($g:ident, $nin:ident, $nout:ident, $act:ident, $init:ident, $rng:ident)
            $body:block
    ) => {
        $crate::nn::constructors::layer_new!(@emit
            [$(#[$new_doc])*] [$(#[$try_doc])*]
            [$g, $nin: usize, $nout: usize, $act: $crate::nn::scalar::Activation]
            $init, $rng, $body
        );
    };
    (mlp:
        $(#[$new_doc:meta])* new;
        $(#[$try_doc:meta])*
        try_new($g:ident, $sizes:ident, $hidden:ident, $output:ident, $init:ident, $rng:ident)
            $body:block
    ) => {
        $crate::nn::constructors::layer_new!(@emit
            [$(#[$new_doc])*] [$(#[$try_doc])*]
            [$g, $sizes: &[usize], $hidden: $crate::nn::scalar::Activation,
             $output: $crate::nn::scalar::Activation]
            $init, $rng, $body
        );
    };
    (@emit [$($new_doc:tt)*] [$($try_doc:tt)*] [$g:ident, $($arg:ident: $ty:ty),*]
        $init:ident, $rng:ident, $body:block) => {
        $crate::error::with_panicking_twin! {
            $($new_doc)*
            pub fn new;

            $($try_doc)*
            pub fn try_new(
                $g: &'g $crate::tape::Graph<T>,
                $($arg: $ty,)*
                $init: $crate::nn::Init,
                $rng: impl $crate::nn::RngSource,
            ) -> Result<Self> {
                let $rng = &mut $rng.into_rng();
                $body
            }
        }
    };
}

pub(crate) use layer_new;
