//! What [`fit`](super::fit) prints while it trains, as its [`Verbosity`] says: nothing, one
//! progress bar over the run (indicatif, feature `progress`, only on a terminal), or a line per
//! epoch.

use std::io::Write;

#[cfg(feature = "progress")]
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Verbosity, format_metric};
use crate::error::{Error, Result};

/// Where the progress goes: the process's stderr (a bar when it is a terminal), or a writer
/// the caller gave (never a terminal, so it gets lines or nothing).
pub(crate) enum Sink<'a> {
    Stderr,
    Writer(&'a mut dyn Write),
}

impl Sink<'_> {
    /// Writes `line` and a newline. A failing stderr is ignored (training matters more than
    /// its log); a failing writer is the caller's error.
    fn line(&mut self, line: &str) -> Result<()> {
        match self {
            Sink::Stderr => {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
                Ok(())
            }
            Sink::Writer(w) => writeln!(w, "{line}")
                .map_err(|e| Error::Invalid(format!("cannot write the training log: {e}"))),
        }
    }
}

enum Mode<'a> {
    Silent,
    Lines(Sink<'a>),
    #[cfg(feature = "progress")]
    Bar(ProgressBar),
}

/// The progress of one [`fit`](super::fit) run of at most `epochs` epochs.
pub(crate) struct Progress<'a> {
    mode: Mode<'a>,
    epochs: usize,
}

/// How the run ended, for the closing line.
pub(crate) struct Ending {
    /// The epoch (0-based) after which early stopping ended training.
    pub(crate) stopped: Option<usize>,
    /// The epoch (0-based) whose weights early stopping restored, with its monitored loss.
    pub(crate) restored: Option<(usize, f64)>,
    /// `val_loss` or `loss`: what early stopping watched.
    pub(crate) monitored: &'static str,
}

impl<'a> Progress<'a> {
    pub(crate) fn new(verbosity: Verbosity, sink: Sink<'a>, epochs: usize) -> Self {
        let mode = match verbosity {
            Verbosity::Silent => Mode::Silent,
            Verbosity::Epochs => Mode::Lines(sink),
            Verbosity::Bar => bar(&sink, epochs),
        };
        Progress { mode, epochs }
    }

    /// Epoch `epoch` (0-based) ended with these values of the history's columns.
    pub(crate) fn epoch(&mut self, epoch: usize, names: &[String], row: &[f64]) -> Result<()> {
        match &mut self.mode {
            Mode::Silent => Ok(()),
            Mode::Lines(sink) => sink.line(&format!(
                "epoch {}/{} - {}",
                epoch + 1,
                self.epochs,
                summary(names, row)
            )),
            #[cfg(feature = "progress")]
            Mode::Bar(bar) => {
                bar.set_message(summary(names, row));
                bar.set_position(epoch as u64 + 1);
                Ok(())
            }
        }
    }

    /// Training ended: the bar stays as it is (shortened to the epochs run), and early
    /// stopping gets its line.
    pub(crate) fn finish(self, ending: &Ending) -> Result<()> {
        let note = ending.stopped.map(|s| {
            let mut note = format!("early stopping after epoch {}", s + 1);
            if let Some((b, v)) = ending.restored {
                note += &format!(
                    "; restored the weights of epoch {} ({} {})",
                    b + 1,
                    ending.monitored,
                    format_metric(v)
                );
            }
            note
        });
        match self.mode {
            Mode::Silent => Ok(()),
            Mode::Lines(mut sink) => match note {
                Some(n) => sink.line(&n),
                None => Ok(()),
            },
            #[cfg(feature = "progress")]
            Mode::Bar(bar) => {
                if let Some(len) = bar.length() {
                    if bar.position() < len {
                        bar.set_length(bar.position());
                    }
                }
                bar.finish();
                match note {
                    Some(n) => Sink::Stderr.line(&n),
                    None => Ok(()),
                }
            }
        }
    }
}

/// One bar over the run on stderr, drawn at most ten times a second (so a run of many short
/// epochs spends its time training, not drawing), when both stdout and stderr are terminals:
/// a program whose output goes to a file or a pipe (`> log.txt`, `| tee`) is not watched
/// live, so it gets no bar even if its stderr is still the terminal.
#[cfg(feature = "progress")]
fn bar<'a>(sink: &Sink<'a>, epochs: usize) -> Mode<'a> {
    use std::io::IsTerminal;
    let watched = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    if !matches!(sink, Sink::Stderr) || !watched {
        return Mode::Silent;
    }
    let bar =
        ProgressBar::with_draw_target(Some(epochs as u64), ProgressDrawTarget::stderr_with_hz(10));
    let style =
        ProgressStyle::with_template("epoch {pos}/{len} [{bar:30}] {elapsed}<{eta}\n{wide_msg}")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    Mode::Bar(bar)
}

/// Without the `progress` feature there is no bar: the bar mode is silent.
#[cfg(not(feature = "progress"))]
fn bar<'a>(_sink: &Sink<'a>, _epochs: usize) -> Mode<'a> {
    Mode::Silent
}

/// `loss: 0.1234 - accuracy: 0.95 - val_loss: …` (Keras' epoch line), every value in
/// [`format_metric`]'s significant digits.
fn summary(names: &[String], row: &[f64]) -> String {
    names
        .iter()
        .zip(row)
        .map(|(n, &v)| format!("{n}: {}", format_metric(v)))
        .collect::<Vec<_>>()
        .join(" - ")
}
