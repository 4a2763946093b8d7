//! Data for the examples and for training: synthetic sets, the shipped real data sets, a CSV
//! loader, standardization, splits, K-fold indices and shuffled mini-batches.
//!
//! Everything works on a [`Dataset`]: a row-major table of `f64` features with one target per
//! row (a class index for classification, a value for regression). Splits and folds are lists
//! of row indices; [`Dataset::select`] turns them into new data sets.
//!
//! ```
//! use tapegrad::data::{self, Standardizer};
//! let moons = data::moons(100, 0.1, 0);
//! let split = data::stratified_split(&moons.labels().unwrap(), 0.25, 0).unwrap();
//! let (mut train, mut test) = (moons.select(&split.train), moons.select(&split.test));
//! let scaler = Standardizer::fit(&train);           // fit on the training rows only
//! scaler.transform(&mut train).unwrap();
//! scaler.transform(&mut test).unwrap();
//! assert_eq!((train.len(), test.len()), (75, 25));
//! ```
//!
//! The shipped sets ([`iris`], [`digits`], [`diabetes`], [`breast_cancer`]) are compiled into
//! the library from the repository's `data/` folder; see its README for their sources and
//! licences.

mod batch;
#[cfg(feature = "datasets")]
mod builtin;
#[cfg(feature = "csv")]
mod csv;
mod dataset;
mod scale;
mod split;
mod synthetic;

pub use batch::Batches;
#[cfg(feature = "datasets")]
pub use builtin::{breast_cancer, diabetes, digits, iris};
#[cfg(feature = "csv")]
pub use csv::{CsvOptions, Target, load_csv, read_csv};
pub use dataset::Dataset;
pub use scale::Standardizer;
pub use split::{Split, k_fold, stratified_k_fold, stratified_split, train_test_split};
pub use synthetic::{blobs, circles, linear, moons, xor, xor_points};
