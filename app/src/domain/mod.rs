//! Rules about input, shared by the browser (instant messages) and the server (the authority).
//! Each type can only be built by parsing, so holding one proves the input was valid.

pub mod account;
pub mod deactivation;
pub mod problems;

pub use problems::{FieldProblem, Problem};
