//! [`Batches`]: shuffled mini-batches of row indices, one permutation per epoch.

use rand::{SeedableRng, rngs::ChaCha12Rng, seq::SliceRandom};

use crate::error::{Error, Result};

/// Mini-batches of row indices: each [`epoch`](Batches::epoch) reshuffles the rows (when a seed
/// was given) and cuts them into batches of `batch_size`, the last one possibly smaller. The
/// permutation buffer is reused, so epochs do not allocate.
///
/// ```
/// use tapegrad::data::Batches;
/// let mut batches = Batches::new(10, 4, Some(0)).unwrap();
/// let sizes: Vec<usize> = batches.epoch().map(|b| b.len()).collect();
/// assert_eq!(sizes, vec![4, 4, 2]);
/// let mut seen: Vec<usize> = batches.epoch().flatten().copied().collect();
/// seen.sort();
/// assert_eq!(seen, (0..10).collect::<Vec<_>>()); // each row once per epoch
/// ```
#[derive(Debug)]
pub struct Batches {
    order: Vec<usize>,
    batch_size: usize,
    // `StdRng` is this generator (the same stream for the same seed), but since rand 0.10 it is
    // not `Clone`; `ChaCha12Rng` can be copied through its state, so a cloned `Batches` goes on
    // with the same permutations as the original.
    rng: Option<ChaCha12Rng>,
}

impl Clone for Batches {
    fn clone(&self) -> Self {
        Batches {
            order: self.order.clone(),
            batch_size: self.batch_size,
            rng: self
                .rng
                .as_ref()
                .map(|r| ChaCha12Rng::deserialize_state(&r.serialize_state())),
        }
    }
}

impl Batches {
    /// Batches over rows 0..n; `seed` None keeps the rows in order.
    pub fn new(n: usize, batch_size: usize, seed: Option<u64>) -> Result<Self> {
        Self::over((0..n).collect(), batch_size, seed)
    }

    /// Batches over the given rows (e.g. a training split).
    pub fn over(rows: Vec<usize>, batch_size: usize, seed: Option<u64>) -> Result<Self> {
        if batch_size == 0 {
            return Err(Error::Invalid("batch size must be at least 1".into()));
        }
        Ok(Batches {
            order: rows,
            batch_size,
            rng: seed.map(ChaCha12Rng::seed_from_u64),
        })
    }

    /// The number of batches per epoch.
    pub fn len(&self) -> usize {
        self.order.len().div_ceil(self.batch_size)
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The next epoch's batches (reshuffled first when a seed was given).
    pub fn epoch(&mut self) -> std::slice::Chunks<'_, usize> {
        if let Some(rng) = self.rng.as_mut() {
            self.order.shuffle(rng);
        }
        self.order.chunks(self.batch_size)
    }
}
