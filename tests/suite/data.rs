//! Data: generators, the shipped sets, the CSV loader's errors, standardization, splits,
//! K-fold and mini-batches.

use std::collections::BTreeSet;

#[cfg(feature = "csv")]
use tapegrad::Error;
use tapegrad::data::{self, Batches, Dataset, Standardizer, k_fold, train_test_split};
#[cfg(feature = "csv")]
use tapegrad::data::{CsvOptions, Target, load_csv, read_csv};
#[cfg(feature = "datasets")]
use tapegrad::data::{stratified_k_fold, stratified_split};

#[test]
fn moons_follow_make_moons() {
    // Without noise every point lies on its half circle: the upper one (label 0) on the unit
    // circle, the lower one (label 1) on the circle of radius 1 around (1, 0.5).
    let m = data::moons(101, 0.0, 3);
    assert_eq!(m.len(), 101);
    let labels = m.labels().unwrap();
    assert_eq!(labels.iter().filter(|&&c| c == 0).count(), 50); // ⌊101/2⌋ outer
    for (r, &c) in m.rows().zip(&labels) {
        let (x, y) = (r[0], r[1]);
        if c == 0 {
            assert!((x * x + y * y - 1.0).abs() < 1e-12 && y >= -1e-12);
        } else {
            assert!(
                ((x - 1.0).powi(2) + (y - 0.5).powi(2) - 1.0).abs() < 1e-12 && y <= 0.5 + 1e-12
            );
        }
    }
    // Shuffled: the labels are not in two blocks.
    assert!(labels[..50].contains(&1));
    // Noise moves points; the same seed gives the same data.
    let a = data::moons(100, 0.1, 5);
    assert_eq!(a, data::moons(100, 0.1, 5));
    assert_ne!(a, data::moons(100, 0.1, 6));
    let off: f64 = a
        .rows()
        .zip(a.labels().unwrap())
        .map(|(r, c)| {
            let (cx, cy) = if c == 0 { (0.0, 0.0) } else { (1.0, 0.5) };
            (((r[0] - cx).powi(2) + (r[1] - cy).powi(2)).sqrt() - 1.0).abs()
        })
        .sum::<f64>()
        / 100.0;
    assert!(
        off > 0.02 && off < 0.2,
        "mean distance from the circles {off}"
    );
}

#[test]
fn circles_follow_make_circles() {
    // Without noise: ⌊n/2⌋ points on the unit circle (label 0), the rest on the circle of
    // radius `factor` (label 1), at angles 2πi/k, so opposite points of a ring sum to zero.
    let c = data::circles(101, 0.0, 0.8, 2);
    assert_eq!((c.len(), c.n_features()), (101, 2));
    let labels = c.labels().unwrap();
    assert_eq!(labels.iter().filter(|&&l| l == 0).count(), 50);
    let radius = |r: &[f64]| (r[0] * r[0] + r[1] * r[1]).sqrt();
    for (r, &l) in c.rows().zip(&labels) {
        let want = if l == 0 { 1.0 } else { 0.8 };
        assert!((radius(r) - want).abs() < 1e-12, "{r:?} label {l}");
    }
    let outer_sum: f64 = c
        .rows()
        .zip(&labels)
        .filter(|&(_, &l)| l == 0)
        .map(|(r, _)| r[0] + r[1])
        .sum();
    assert!(outer_sum.abs() < 1e-9, "angles evenly spaced: {outer_sum}");
    assert!(labels[..50].contains(&1), "shuffled");
    // Noise moves points off the rings; the same seed gives the same data.
    let a = data::circles(200, 0.05, 0.5, 4);
    assert_eq!(a, data::circles(200, 0.05, 0.5, 4));
    assert_ne!(a, data::circles(200, 0.05, 0.5, 5));
    let off = a
        .rows()
        .zip(a.labels().unwrap())
        .map(|(r, l)| (radius(r) - if l == 0 { 1.0 } else { 0.5 }).abs())
        .sum::<f64>()
        / 200.0;
    assert!(
        off > 0.01 && off < 0.1,
        "mean distance from the rings {off}"
    );
}

#[test]
fn xor_points_and_blobs() {
    let x = data::xor_points(400, 0.0, 1);
    assert_eq!((x.len(), x.n_features()), (400, 2));
    for (r, &t) in x.rows().zip(x.targets()) {
        assert!(r.iter().all(|v| v.abs() <= 1.0));
        assert_eq!(t == 1.0, r[0] * r[1] < 0.0, "{r:?}");
    }
    // Every quadrant is populated (400 uniform points: each holds about 100).
    let in_quadrant = |sx: f64, sy: f64| {
        x.rows()
            .filter(|r| r[0] * sx > 0.0 && r[1] * sy > 0.0)
            .count()
    };
    for (sx, sy) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
        assert!(in_quadrant(sx, sy) > 50);
    }
    // Noise moves the points but keeps the labels of the clean ones.
    let noisy = data::xor_points(400, 0.1, 1);
    assert_eq!(noisy.targets(), x.targets());
    assert_ne!(noisy.features(), x.features());

    let b = data::blobs(300, 0.3, 2);
    let labels = b.labels().unwrap();
    assert_eq!(labels.iter().filter(|&&l| l == 0).count(), 150);
    for class in [0, 1] {
        let rows: Vec<&[f64]> = b
            .rows()
            .zip(&labels)
            .filter(|&(_, &l)| l == class)
            .map(|(r, _)| r)
            .collect();
        let want = if class == 0 { -1.0 } else { 1.0 };
        for axis in 0..2 {
            let mean = rows.iter().map(|r| r[axis]).sum::<f64>() / rows.len() as f64;
            let sd = (rows.iter().map(|r| (r[axis] - mean).powi(2)).sum::<f64>()
                / rows.len() as f64)
                .sqrt();
            // 150 draws: the mean is within 4 standard errors (0.1), the spread within 20%.
            assert!(
                (mean - want).abs() < 0.1,
                "class {class} axis {axis}: mean {mean}"
            );
            assert!(
                (sd - 0.3).abs() < 0.06,
                "class {class} axis {axis}: sd {sd}"
            );
        }
    }
}

#[test]
fn linear_and_xor() {
    let l = data::linear(200, 0.0, 1);
    assert!(
        l.rows()
            .zip(l.targets())
            .all(|(x, &y)| y == 3.0 * x[0] && x[0].abs() <= 1.0)
    );
    let noisy = data::linear(200, 0.5, 1);
    assert_ne!(noisy.targets(), l.targets());
    let x = data::xor();
    assert_eq!(x.features(), &[0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
    assert_eq!(x.labels().unwrap(), vec![0, 1, 1, 0]);
}

#[cfg(feature = "datasets")]
#[test]
fn shipped_data_sets() {
    let iris = data::iris();
    assert_eq!((iris.len(), iris.n_features()), (150, 4));
    assert_eq!(iris.row(0), &[5.1, 3.5, 1.4, 0.2]);
    assert_eq!(iris.class_names(), &["setosa", "versicolor", "virginica"]);
    let counts = class_counts(&iris.labels().unwrap());
    assert_eq!(counts, vec![50, 50, 50]);

    let digits = data::digits();
    assert_eq!(
        (
            digits.len(),
            digits.n_features(),
            digits.n_classes().unwrap()
        ),
        (1797, 64, 10)
    );
    assert!(digits.features().iter().all(|&v| (0.0..=16.0).contains(&v)));
    assert_eq!(digits.feature_names()[9], "pixel_1_1");

    let diabetes = data::diabetes();
    assert_eq!((diabetes.len(), diabetes.n_features()), (442, 10));
    assert_eq!(diabetes.feature_names()[0], "age");
    assert_eq!(diabetes.row(0)[..3], [59.0, 2.0, 32.1]);
    assert_eq!(diabetes.targets()[0], 151.0);

    let bc = data::breast_cancer();
    assert_eq!((bc.len(), bc.n_features()), (569, 30));
    assert_eq!(bc.class_names(), &["malignant", "benign"]);
    assert_eq!(bc.feature_names()[10], "radius error");
    assert_eq!(bc.feature_names()[29], "worst fractal dimension");
    assert_eq!(class_counts(&bc.labels().unwrap()), vec![212, 357]);
}

#[cfg(feature = "datasets")]
fn class_counts(labels: &[usize]) -> Vec<usize> {
    let n = labels.iter().max().map_or(0, |m| m + 1);
    let mut c = vec![0; n];
    for &l in labels {
        c[l] += 1;
    }
    c
}

#[cfg(feature = "csv")]
#[test]
fn csv_with_and_without_header() {
    let text = "a, b ,y\n1,2,10\n3.5,-4e-1,20\n";
    let ds = read_csv(text.as_bytes(), &CsvOptions::default()).unwrap();
    assert_eq!(ds.features(), &[1.0, 2.0, 3.5, -0.4]);
    assert_eq!(ds.targets(), &[10.0, 20.0]);
    assert_eq!(ds.feature_names(), &["a", "b"]);

    let by_name = CsvOptions {
        target: Target::Named("a".into()),
        ..CsvOptions::default()
    };
    let ds = read_csv(text.as_bytes(), &by_name).unwrap();
    assert_eq!(
        (ds.targets(), ds.feature_names()),
        (&[1.0, 3.5][..], &["b".to_string(), "y".to_string()][..])
    );

    let first = CsvOptions {
        header: false,
        target: Target::Column(0),
        delimiter: b';',
    };
    let ds = read_csv("0;1;2\n1;3;4\n".as_bytes(), &first).unwrap();
    assert_eq!(
        (ds.targets(), ds.features()),
        (&[0.0, 1.0][..], &[1.0, 2.0, 3.0, 4.0][..])
    );
}

#[cfg(feature = "csv")]
#[test]
fn csv_errors_name_row_and_column() {
    // The data row and the file line, each said once: the header is line 1, not a data row.
    let text = "x1,x2,label\n1,2,0\n3,4,1\n5,6,1\n7,8,0\n1,1,1\n2,2,0\n5,abc,0\n";
    let err = read_csv(text.as_bytes(), &CsvOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Csv {
                row: 7,
                line: 8,
                col: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "data row 7 (line 8), column 2 \"x2\": \"abc\" is not a number"
    );
    // Without a header the column is named by number only, and row = line.
    let err = read_csv("1,2\n3,\n".as_bytes(), &CsvOptions::no_header()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "data row 2 (line 2), column 2: \"\" is not a number"
    );
    // A short row.
    let err = read_csv("1,2,3\n4,5\n".as_bytes(), &CsvOptions::no_header()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Csv {
                row: 2,
                line: 2,
                col: 3,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "data row 2 (line 2) has 2 columns, expected 3"
    );
    // Non-finite values are rejected too.
    assert!(read_csv("1,nan\n".as_bytes(), &CsvOptions::no_header()).is_err());
    // Target problems and empty input.
    let named = CsvOptions {
        target: Target::Named("nope".into()),
        ..CsvOptions::default()
    };
    let err = read_csv(text.as_bytes(), &named).unwrap_err();
    assert!(
        err.to_string().contains("no column named \"nope\""),
        "{err}"
    );
    assert!(read_csv("".as_bytes(), &CsvOptions::default()).is_err());
    assert!(read_csv("1\n2\n".as_bytes(), &CsvOptions::no_header()).is_err());
}

#[cfg(feature = "csv")]
#[test]
fn load_csv_names_the_file() {
    let dir = std::env::temp_dir().join(format!("tapegrad-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.csv");
    std::fs::write(&path, "a,b\n1,2\n3,x\n").unwrap();
    let err = load_csv(&path, &CsvOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("bad.csv: data row 2 (line 3), column 2 \"b\": \"x\" is not a number"),
        "{err}"
    );
    std::fs::write(&path, "a,b\n1,2\n3,4\n").unwrap();
    assert_eq!(load_csv(&path, &CsvOptions::default()).unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(load_csv(dir.join("missing.csv"), &CsvOptions::default()).is_err());
}

#[test]
fn standardize_with_training_statistics() {
    let mut train = Dataset::new(vec![1.0, 10.0, 2.0, 10.0, 3.0, 10.0], 2, vec![0.0; 3]).unwrap();
    let mut test = Dataset::new(vec![4.0, 11.0], 2, vec![0.0]).unwrap();
    let s = Standardizer::fit(&train);
    // Column 0: mean 2, population sd √(2/3); column 1 is constant: scale 1.
    let sd = (2.0f64 / 3.0).sqrt();
    assert_eq!(s.mean(), &[2.0, 10.0]);
    assert!((s.scale()[0] - sd).abs() < 1e-15 && s.scale()[1] == 1.0);
    s.transform(&mut train).unwrap();
    s.transform(&mut test).unwrap();
    assert!((train.row(0)[0] + 1.0 / sd).abs() < 1e-12);
    assert_eq!(train.row(0)[1], 0.0);
    assert!((test.row(0)[0] - 2.0 / sd).abs() < 1e-12); // test uses the train statistics
    assert_eq!(test.row(0)[1], 1.0);
    let mut wrong = Dataset::new(vec![1.0], 1, vec![0.0]).unwrap();
    assert!(s.transform(&mut wrong).is_err());
    // Round trip on targets (one column).
    let mut y = vec![3.0, 5.0, 10.0];
    let ts = Standardizer::fit_columns(&y, 1);
    ts.transform_columns(&mut y, 1).unwrap();
    ts.inverse_transform_columns(&mut y, 1).unwrap();
    assert!((y[2] - 10.0).abs() < 1e-12);
}

#[test]
fn train_test_split_partitions_the_rows() {
    let s = train_test_split(103, 0.25, 11).unwrap();
    assert_eq!(s.test.len(), 26); // ⌈0.25·103⌉
    let all: BTreeSet<usize> = s.train.iter().chain(&s.test).copied().collect();
    assert_eq!(all.len(), 103);
    assert_eq!(s, train_test_split(103, 0.25, 11).unwrap());
    assert_ne!(s, train_test_split(103, 0.25, 12).unwrap());
    assert!(train_test_split(10, 0.0, 0).is_err());
    assert!(train_test_split(10, 1.0, 0).is_err());
    assert!(train_test_split(1, 0.5, 0).is_err());
}

#[cfg(feature = "datasets")]
#[test]
fn stratified_split_keeps_class_proportions() {
    let digits = data::digits();
    let labels = digits.labels().unwrap();
    let s = stratified_split(&labels, 0.25, 0).unwrap();
    assert_eq!(s.test.len(), 450); // ⌈0.25·1797⌉
    let all: BTreeSet<usize> = s.train.iter().chain(&s.test).copied().collect();
    assert_eq!(all.len(), 1797);
    let total = class_counts(&labels);
    let test = class_counts(&s.test.iter().map(|&i| labels[i]).collect::<Vec<_>>());
    for (c, (&t, &n)) in test.iter().zip(&total).enumerate() {
        let exact = n as f64 * 450.0 / 1797.0;
        assert!(
            (t as f64 - exact).abs() < 1.0,
            "class {c}: {t} of {n}, exact share {exact}"
        );
    }
    // An unbalanced two-class case: 90 / 10 split 80 / 20.
    let labels: Vec<usize> = (0..100).map(|i| usize::from(i >= 90)).collect();
    let s = stratified_split(&labels, 0.2, 3).unwrap();
    assert_eq!(s.test.iter().filter(|&&i| labels[i] == 1).count(), 2);
    assert_eq!(s.test.len(), 20);
}

#[test]
fn k_fold_tests_each_sample_exactly_once() {
    for (n, k, seed) in [(10, 3, None), (103, 5, Some(1)), (7, 7, Some(2))] {
        let folds = k_fold(n, k, seed).unwrap();
        assert_eq!(folds.len(), k);
        let mut tested = vec![0; n];
        for f in &folds {
            for &i in &f.test {
                tested[i] += 1;
            }
            assert_eq!(f.train.len() + f.test.len(), n);
            assert!(f.train.iter().all(|i| !f.test.contains(i)));
            assert!(f.test.len() == n / k || f.test.len() == n / k + 1);
        }
        assert!(tested.iter().all(|&t| t == 1), "n = {n}, k = {k}");
    }
    // Unshuffled folds are consecutive, the first n mod k one larger (scikit-learn's KFold).
    let folds = k_fold(10, 3, None).unwrap();
    assert_eq!(folds[0].test, vec![0, 1, 2, 3]);
    assert_eq!(folds[2].test, vec![7, 8, 9]);
    assert!(k_fold(5, 1, None).is_err());
    assert!(k_fold(5, 6, None).is_err());
}

#[cfg(feature = "datasets")]
#[test]
fn stratified_k_fold_balances_classes() {
    let iris = data::iris();
    let labels = iris.labels().unwrap();
    let folds = stratified_k_fold(&labels, 5, Some(4)).unwrap();
    let mut tested = vec![0; labels.len()];
    for f in &folds {
        for &i in &f.test {
            tested[i] += 1;
        }
        let counts = class_counts(&f.test.iter().map(|&i| labels[i]).collect::<Vec<_>>());
        assert_eq!(counts, vec![10, 10, 10]);
    }
    assert!(tested.iter().all(|&t| t == 1));
}

#[test]
fn batches_cover_each_row_once_per_epoch() {
    let mut b = Batches::new(10, 3, Some(1)).unwrap();
    assert_eq!((b.len(), b.batch_size()), (4, 3));
    let e1: Vec<Vec<usize>> = b.epoch().map(|c| c.to_vec()).collect();
    let e2: Vec<Vec<usize>> = b.epoch().map(|c| c.to_vec()).collect();
    assert_ne!(e1, e2); // reshuffled
    for e in [&e1, &e2] {
        let mut all: Vec<usize> = e.iter().flatten().copied().collect();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(e.last().unwrap().len(), 1);
    }
    let mut fixed = Batches::over(vec![5, 6, 7], 2, None).unwrap();
    assert_eq!(
        fixed.epoch().collect::<Vec<_>>(),
        vec![&[5, 6][..], &[7][..]]
    );
    assert!(Batches::new(3, 0, None).is_err());
}

#[test]
fn dataset_checks_and_selection() {
    assert!(Dataset::new(vec![1.0, 2.0, 3.0], 2, vec![0.0, 1.0]).is_err());
    let ds = Dataset::new(vec![1.0, 2.0, 3.0, 4.0], 2, vec![0.5, 1.0]).unwrap();
    let err = ds.labels().unwrap_err();
    assert!(err.to_string().contains("row 0: target 0.5"), "{err}");
    let sel = ds.select(&[1, 1]);
    assert_eq!(
        (sel.features(), sel.targets()),
        (&[3.0, 4.0, 3.0, 4.0][..], &[1.0, 1.0][..])
    );
}
