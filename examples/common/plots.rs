//! Where the training examples write their pictures: `plots/` in the current directory
//! (git-ignored in this repository), made when first needed, and the line that says so.

#![allow(dead_code)] // each example uses its own part

use std::path::{Path, PathBuf};

use tapegrad::{Error, Result};

/// The folder the pictures go to.
pub fn dir() -> PathBuf {
    PathBuf::from("plots")
}

/// `name` in [`dir`], the folder made if it is missing.
pub fn file(name: &str) -> Result<PathBuf> {
    let dir = dir();
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Invalid(format!("cannot make {}: {e}", dir.display())))?;
    Ok(dir.join(name))
}

/// Makes the folder `path` is in, if it is missing (for a path given on the command line).
pub fn make_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => std::fs::create_dir_all(p)
            .map_err(|e| Error::Invalid(format!("cannot make {}: {e}", p.display()))),
        _ => Ok(()),
    }
}

/// The one line an example prints for each file it wrote.
pub fn wrote(path: &Path) {
    println!("wrote {}", path.display());
}
