//! Loss curves, predictions against the truth and search scores as PNG and SVG files, checked
//! without looking at pixels: the file's kind and size, and in the SVG the words and tick
//! labels drawn.

use tapegrad::io::{LossPlot, plot_predictions};
use tapegrad::nn::train::{CvScore, History, SearchReport, Setting};

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tapegrad_plots_{}_{name}", std::process::id()))
}

/// The file's bytes, the file removed.
fn take(path: &std::path::Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    std::fs::remove_file(path).ok();
    bytes
}

/// A PNG's width and height, from its IHDR chunk (bytes 16..24, big-endian).
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

/// An SVG's width and height and the text of each of its `<text>` elements.
fn svg(bytes: &[u8]) -> ((u32, u32), Vec<String>) {
    let text = std::str::from_utf8(bytes).unwrap();
    let doc = roxmltree::Document::parse(text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let attr = |n: &str| root.attribute(n).unwrap().parse::<u32>().unwrap();
    let texts = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect();
    ((attr("width"), attr("height")), texts)
}

/// 30 epochs of a loss falling from 1 to 10⁻⁴ (a decade every 7.25 epochs), and its val_loss.
fn falling() -> History {
    let mut h = History::new(vec!["loss".into(), "val_loss".into(), "lr".into()]);
    for e in 0..30 {
        let loss = 10f64.powf(-4.0 * e as f64 / 29.0);
        h.push(vec![loss, 1.5 * loss, 0.1]).unwrap();
    }
    h
}

/// The labels that parse as numbers.
fn numbers(texts: &[String]) -> Vec<f64> {
    texts.iter().filter_map(|t| t.parse().ok()).collect()
}

#[test]
fn a_loss_plot_is_a_png_of_800_by_500() {
    let path = temp("loss.png");
    falling().plot(&path).unwrap();
    assert_eq!(png_size(&take(&path)), (800, 500));
}

#[test]
fn a_loss_plot_has_whole_epochs_on_its_axis() {
    let path = temp("epochs.svg");
    let mut h = History::new(vec!["loss".into()]);
    for v in [0.9, 0.5, 0.4] {
        h.push(vec![v]).unwrap();
    }
    h.plot(&path).unwrap();
    let ((w, hgt), texts) = svg(&take(&path));
    assert_eq!((w, hgt), (800, 500));
    // Three epochs: the ticks 1, 2, 3 and no 1.5 or 2.5 (the y ticks are below 1 here).
    let ticks: Vec<f64> = numbers(&texts).into_iter().filter(|v| *v >= 1.0).collect();
    assert_eq!(ticks, [1.0, 2.0, 3.0], "{texts:?}");
}

#[test]
fn the_log_scale_puts_decades_on_the_loss_axis() {
    let (lin, log) = (temp("lin.svg"), temp("log.svg"));
    falling().plot(&lin).unwrap();
    falling()
        .plot_with(&log, &LossPlot::new().log_scale(true))
        .unwrap();
    let (_, lin) = svg(&take(&lin));
    let (_, log) = svg(&take(&log));
    // Below 1 only loss ticks are drawn (the epochs start at 1).
    let below_one =
        |t: &[String]| -> Vec<f64> { numbers(t).into_iter().filter(|v| *v < 1.0).collect() };
    let (lin, log) = (below_one(&lin), below_one(&log));
    for decade in [0.1, 0.01, 0.001, 0.0001] {
        assert!(log.contains(&decade), "{decade} in {log:?}");
    }
    // A linear axis from 0 to 1.5 has evenly spaced ticks, none of them 0.001.
    assert!(lin.contains(&0.0) && !lin.contains(&0.001), "{lin:?}");
    assert!(log.iter().all(|v| *v > 0.0), "{log:?}");
}

#[test]
fn the_restored_epoch_is_marked() {
    let path = temp("restored.svg");
    let mut h = falling();
    h.plot(&path).unwrap();
    let (_, texts) = svg(&take(&path));
    assert!(!texts.iter().any(|t| t.contains("restored")), "{texts:?}");
    h.best_epoch = Some(11);
    h.restored_epoch = Some(11);
    h.plot(&path).unwrap();
    let (_, texts) = svg(&take(&path));
    assert!(
        texts.iter().any(|t| t == "restored weights: epoch 12"),
        "{texts:?}"
    );
}

#[test]
fn a_log_scale_needs_a_positive_loss() {
    let mut h = History::new(vec!["loss".into()]);
    h.push(vec![0.0]).unwrap();
    let err = h
        .plot_with(temp("zero.svg"), &LossPlot::new().log_scale(true))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("a log scale needs a positive loss"),
        "{err}"
    );
}

#[test]
fn predictions_are_a_square_png_with_a_legend() {
    let truth = [1.0, 2.0, 3.0, 4.0];
    let path = temp("pred.png");
    plot_predictions(&path, "t", &truth, &[("a", &[1.1, 2.2, 2.9, 4.1])]).unwrap();
    assert_eq!(png_size(&take(&path)), (640, 640));
    let path = temp("pred.svg");
    plot_predictions(
        &path,
        "test rows",
        &truth,
        &[("mlp", &truth), ("line", &truth)],
    )
    .unwrap();
    let ((w, h), texts) = svg(&take(&path));
    assert_eq!((w, h), (640, 640));
    for word in [
        "test rows",
        "mlp",
        "line",
        "prediction = truth",
        "true value",
    ] {
        assert!(texts.iter().any(|t| t == word), "{word} in {texts:?}");
    }
    let err = plot_predictions(temp("bad.png"), "t", &truth, &[("short", &[1.0])]).unwrap_err();
    assert!(
        err.to_string().contains("1 predictions for 4 true values"),
        "{err}"
    );
}

#[test]
fn a_search_plot_has_a_row_per_setting() {
    let setting = |h: f64| Setting::new(vec![("hidden".into(), h)]);
    let report = SearchReport {
        results: vec![
            (setting(2.0), CvScore::new(vec![0.8, 0.9, 0.85]).unwrap()),
            (setting(8.0), CvScore::new(vec![0.95, 0.97, 1.0]).unwrap()),
            (setting(16.0), CvScore::new(vec![0.9, 0.93, 0.96]).unwrap()),
        ],
        best: 1,
    };
    let path = temp("search.svg");
    report.plot(&path, "accuracy").unwrap();
    let ((w, h), texts) = svg(&take(&path));
    assert_eq!((w, h), (800, 60 + 36 * 3 + 40));
    for label in ["hidden=2", "hidden=8", "hidden=16", "accuracy"] {
        assert!(texts.iter().any(|t| t == label), "{label} in {texts:?}");
    }
    let path = temp("search.png");
    report.plot(&path, "accuracy").unwrap();
    assert_eq!(png_size(&take(&path)), (800, 208));
}
