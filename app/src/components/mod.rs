pub mod form;
pub mod header;
pub mod layout;
pub mod profile_menu;
