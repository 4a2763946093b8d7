//! The built-in functions of the expression language, and the "did you mean" hint.

use crate::rules::{Fn1, Fn2};

/// A built-in function: one argument or two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Func {
    One(Fn1),
    Two(Fn2),
}

/// How many built-in functions there are: the rows of the primitive table that have a name in
/// the language.
const COUNT: usize = Fn1::PUBLIC.len() + Fn2::PUBLIC.len();

/// Every built-in function, by the name it is called with: the functions of one argument, then
/// those of two, in the primitive table's order.
pub const FUNCTIONS: [&str; COUNT] = {
    let mut names = [""; COUNT];
    let mut i = 0;
    while i < Fn1::PUBLIC.len() {
        names[i] = Fn1::PUBLIC[i].name();
        i += 1;
    }
    while i < COUNT {
        names[i] = Fn2::PUBLIC[i - Fn1::PUBLIC.len()].name();
        i += 1;
    }
    names
};

impl Func {
    /// The built-in function called `name`, if there is one.
    pub(super) fn lookup(name: &str) -> Option<Func> {
        let one = Fn1::PUBLIC.iter().find(|f| f.name() == name);
        let two = Fn2::PUBLIC.iter().find(|f| f.name() == name);
        one.map(|&f| Func::One(f))
            .or_else(|| two.map(|&f| Func::Two(f)))
    }

    /// How many arguments it takes.
    pub(super) fn arity(self) -> usize {
        match self {
            Func::One(_) => 1,
            Func::Two(_) => 2,
        }
    }

    /// Its name in the language.
    pub(super) fn name(self) -> &'static str {
        match self {
            Func::One(f) => f.name(),
            Func::Two(f) => f.name(),
        }
    }
}

/// True if `name` is a built-in function (and so cannot be a variable).
pub fn is_function(name: &str) -> bool {
    Func::lookup(name).is_some()
}

/// The known function closest to a misspelt `name`, if one is close enough to be a likely typo
/// (optimal-string-alignment distance 1, or 2 for names of four or more characters, so that
/// `tahn` suggests `tanh` but `foo` suggests nothing); `ln` suggests `log`.
pub(super) fn suggest(name: &str) -> Option<&'static str> {
    if name == "ln" {
        return Some("log"); // the usual other name of the natural logarithm
    }
    let limit = if name.chars().count() >= 4 { 2 } else { 1 };
    FUNCTIONS
        .iter()
        .map(|f| (strsim::osa_distance(name, f), *f))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, f)| f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_is_known_and_named_back() {
        for name in FUNCTIONS {
            assert_eq!(Func::lookup(name).map(Func::name), Some(name));
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("tahn"), Some("tanh"));
        assert_eq!(suggest("sigmod"), Some("sigmoid"));
        assert_eq!(suggest("ln"), Some("log"));
        assert_eq!(suggest("expp"), Some("exp"));
        assert_eq!(suggest("foo"), None);
        assert_eq!(suggest("softmax"), None);
    }
}
