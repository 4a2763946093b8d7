//! A pool of buffers keyed by length: what rewind hands the buffers of freed extension nodes
//! (tensors) to, and where a gradient store takes its buffers from, so that a training step of
//! fixed shapes does not allocate once warm.

use std::collections::HashMap;

/// Buffers of freed nodes, by capacity, ready for reuse.
#[derive(Debug)]
pub(crate) struct Pool<T> {
    free: HashMap<usize, Vec<Vec<T>>>,
}

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Pool {
            free: HashMap::new(),
        }
    }
}

impl<T: Clone> Clone for Pool<T> {
    /// A clone starts with an empty pool (the buffers are spare memory, not state).
    fn clone(&self) -> Self {
        Pool::default()
    }
}

impl<T> Pool<T> {
    /// An empty vector with room for exactly `len` elements, reused when one is free.
    #[inline]
    pub(crate) fn take(&mut self, len: usize) -> Vec<T> {
        if let Some(v) = self.free.get_mut(&len).and_then(Vec::pop) {
            return v;
        }
        Vec::with_capacity(len)
    }

    /// Returns a buffer for reuse.
    #[inline]
    pub(crate) fn put(&mut self, mut v: Vec<T>) {
        if v.capacity() == 0 {
            return;
        }
        v.clear();
        self.free.entry(v.capacity()).or_default().push(v);
    }
}

impl<T: Copy> Pool<T> {
    /// A vector of `len` copies of `x`.
    #[inline]
    pub(crate) fn filled(&mut self, len: usize, x: T) -> Vec<T> {
        let mut v = self.take(len);
        v.resize(len, x);
        v
    }
}
