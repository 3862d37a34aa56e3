pub mod header;
pub mod layout;
