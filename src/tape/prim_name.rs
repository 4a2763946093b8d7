//! The name of a user-defined primitive as a node records it: a small interned id, so that an
//! [`Op`](super::Op) stays plain `Copy` data. (The primitives themselves, and their pullbacks,
//! live in the layers above; the tape only keeps their names.)

use std::sync::Mutex;

/// A primitive's name as an [`Op`](crate::Op) holds it: a small `Copy` id for the name and
/// arity a primitive declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PrimName(u32);

/// Every (name, arity) pair a primitive has been applied with; a [`PrimName`] indexes it.
/// Names are `&'static str`, so the table only ever holds borrowed text, and it grows by one
/// entry per distinct declaration, not per node.
static NAMES: Mutex<Vec<(&'static str, usize)>> = Mutex::new(Vec::new());

impl PrimName {
    /// The id of `(name, arity)`, added on first use.
    pub(crate) fn intern(name: &'static str, arity: usize) -> PrimName {
        let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
        let i = match names.iter().position(|&e| e == (name, arity)) {
            Some(i) => i,
            None => {
                names.push((name, arity));
                names.len() - 1
            }
        };
        PrimName(i as u32)
    }

    /// The id as stored in a packed record.
    pub(crate) fn id(self) -> u32 {
        self.0
    }

    /// The id read back from a packed record.
    pub(crate) fn from_id(id: u32) -> PrimName {
        PrimName(id)
    }

    fn entry(self) -> (&'static str, usize) {
        let names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
        names
            .get(self.0 as usize)
            .copied()
            .unwrap_or(("primitive", 0))
    }

    /// The primitive's [`name`](crate::Primitive::name).
    pub fn as_str(self) -> &'static str {
        self.entry().0
    }

    /// The primitive's [`arity`](crate::Primitive::arity).
    pub fn arity(self) -> usize {
        self.entry().1
    }
}
