//! The per-epoch progress bar of [`fit`](super::fit) (indicatif, feature `progress`; without
//! it [`fit`](super::fit) trains silently).

#[cfg(feature = "progress")]
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// One bar per epoch on stderr, hidden when asked or when stderr is not a terminal.
pub(crate) struct Progress {
    #[cfg(feature = "progress")]
    enabled: bool,
    #[cfg(feature = "progress")]
    bar: Option<ProgressBar>,
}

#[cfg(feature = "progress")]
impl Progress {
    pub(crate) fn new(asked: bool) -> Self {
        use std::io::IsTerminal;
        Progress {
            enabled: asked && std::io::stderr().is_terminal(),
            bar: None,
        }
    }

    /// Starts the bar of epoch `epoch` (0-based) of `epochs`, with `batches` steps.
    pub(crate) fn start_epoch(&mut self, epoch: usize, epochs: usize, batches: usize) {
        if !self.enabled {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(batches as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(format!("epoch {}/{epochs}", epoch + 1));
        self.bar = Some(bar);
    }

    /// One batch done, with the running loss.
    pub(crate) fn batch(&self, running_loss: f64) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("loss {running_loss:.4}"));
            bar.inc(1);
        }
    }

    /// Ends the epoch's bar, leaving `summary` on its line.
    pub(crate) fn finish_epoch(&mut self, summary: String) {
        if let Some(bar) = self.bar.take() {
            bar.finish_with_message(summary);
        }
    }
}

/// Without the `progress` feature there is no bar: every call does nothing.
#[cfg(not(feature = "progress"))]
impl Progress {
    pub(crate) fn new(_asked: bool) -> Self {
        Progress {}
    }

    pub(crate) fn start_epoch(&mut self, _epoch: usize, _epochs: usize, _batches: usize) {}

    pub(crate) fn batch(&self, _running_loss: f64) {}

    pub(crate) fn finish_epoch(&mut self, _summary: String) {}
}
