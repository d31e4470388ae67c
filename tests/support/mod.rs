//! What the end-to-end suites share (a folder, so Cargo does not build it as a test of its own).

pub mod harness;
#[allow(dead_code)] // the X12 half is for the server's tests
pub mod validators;
