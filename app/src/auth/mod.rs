//! Accounts and sign-in: who is signed in, and the forms that change it.

#[cfg(feature = "ssr")]
pub mod canonical;
#[cfg(feature = "ssr")]
pub mod digest;
pub mod forms;
#[cfg(feature = "ssr")]
pub mod rate_limit;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

/// What the header knows of the signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Viewer {
    pub name: String,
}
