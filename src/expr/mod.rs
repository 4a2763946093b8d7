//! The expression language (placeholder, filled in by the parser).
