//! Fuzz target: see `untrusted::csv` for what it feeds and checks.
#![no_main]

#[path = "../../tests/suite/untrusted/mod.rs"]
mod untrusted;

libfuzzer_sys::fuzz_target!(|data: &[u8]| untrusted::csv(data));
