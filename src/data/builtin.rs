//! The real data sets shipped in the repository's `data/` folder, compiled into the library.
//!
//! They come from the files scikit-learn ships (BSD-3-Clause); the underlying data are from the
//! UCI Machine Learning Repository (CC BY 4.0) and, for diabetes, from Efron, Hastie, Johnstone
//! and Tibshirani (2004). See `data/README.md` for the full attribution.

use std::io::Read;

use super::{CsvOptions, Dataset, read_csv};
use crate::error::{Error, Result};

const IRIS: &str = include_str!("../../data/iris.csv");
const BREAST_CANCER: &str = include_str!("../../data/breast_cancer.csv");
const DIABETES: &str = include_str!("../../data/diabetes.csv");
const DIGITS_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");

/// Fisher's iris: 150 flowers, 4 measurements in cm (sepal length, sepal width, petal length,
/// petal width), 3 classes (setosa, versicolor, virginica), 50 each.
///
/// ```
/// let iris = tapegrad::data::iris();
/// assert_eq!((iris.len(), iris.n_features(), iris.n_classes().unwrap()), (150, 4, 3));
/// assert_eq!(iris.class_names()[2], "virginica");
/// ```
pub fn iris() -> Dataset {
    let names = [
        "sepal length (cm)",
        "sepal width (cm)",
        "petal length (cm)",
        "petal width (cm)",
    ];
    sklearn_csv(IRIS, names.iter().map(|s| s.to_string()).collect()).expect("the shipped iris.csv")
}

/// Breast Cancer Wisconsin (Diagnostic): 569 tumours, 30 real-valued features of cell nuclei,
/// 2 classes (0 malignant, 1 benign).
///
/// ```
/// let bc = tapegrad::data::breast_cancer();
/// assert_eq!((bc.len(), bc.n_features()), (569, 30));
/// assert_eq!(bc.feature_names()[0], "mean radius");
/// ```
pub fn breast_cancer() -> Dataset {
    let base = [
        "radius",
        "texture",
        "perimeter",
        "area",
        "smoothness",
        "compactness",
        "concavity",
        "concave points",
        "symmetry",
        "fractal dimension",
    ];
    let mut names = Vec::with_capacity(30);
    for prefix in ["mean ", "", "worst "] {
        for b in base {
            names.push(if prefix.is_empty() {
                format!("{b} error")
            } else {
                format!("{prefix}{b}")
            });
        }
    }
    sklearn_csv(BREAST_CANCER, names).expect("the shipped breast_cancer.csv")
}

/// Diabetes (Efron et al., 2004): 442 patients, 10 raw baseline variables (age, sex, bmi, bp,
/// s1–s6), target = disease progression one year later (a regression target).
///
/// ```
/// let d = tapegrad::data::diabetes();
/// assert_eq!((d.len(), d.n_features()), (442, 10));
/// assert_eq!(d.feature_names()[2], "bmi");
/// ```
pub fn diabetes() -> Dataset {
    read_csv(DIABETES.as_bytes(), &CsvOptions::default()).expect("the shipped diabetes.csv")
}

/// Optical recognition of handwritten digits: 1797 images of 8×8 pixels with intensities
/// 0–16 (features `pixel_r_c`, row-major), labels 0–9. Decompressed from `digits.csv.gz`.
///
/// ```
/// let d = tapegrad::data::digits();
/// assert_eq!((d.len(), d.n_features(), d.n_classes().unwrap()), (1797, 64, 10));
/// ```
pub fn digits() -> Dataset {
    let mut text = String::new();
    flate2::read::GzDecoder::new(DIGITS_GZ)
        .read_to_string(&mut text)
        .expect("the shipped digits.csv.gz is valid gzip");
    let names = (0..64)
        .map(|i| format!("pixel_{}_{}", i / 8, i % 8))
        .collect();
    read_csv(text.as_bytes(), &CsvOptions::no_header())
        .and_then(|d| d.with_feature_names(names))
        .expect("the shipped digits.csv")
        .with_class_names((0..10).map(|c| c.to_string()).collect())
}

/// scikit-learn's layout: a first line `rows,features,class names…`, then rows of features and
/// a class index.
fn sklearn_csv(text: &str, feature_names: Vec<String>) -> Result<Dataset> {
    let (first, rest) = text
        .split_once('\n')
        .ok_or_else(|| Error::Invalid("no header line".into()))?;
    let classes = first
        .trim()
        .split(',')
        .skip(2)
        .map(|s| s.to_string())
        .collect();
    read_csv(rest.as_bytes(), &CsvOptions::no_header())?
        .with_feature_names(feature_names)
        .map(|d| d.with_class_names(classes))
}
