pub mod account;
pub mod goodbye;
pub mod home;
pub mod not_found;
pub mod plural_gallery;
pub mod sign_in;
pub mod staff;
