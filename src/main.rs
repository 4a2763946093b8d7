//! The `tapegrad` command: value, gradient and Hessian of an expression from the shell.
//!
//! ```text
//! tapegrad grad "x^2 * y + sin(y)" --at x=1.5,y=-2 --hessian
//! ```
//!
//! Each subcommand lives in its own file under `cli/`; see `cli/mod.rs` for the shared pieces.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
