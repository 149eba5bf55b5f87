//! Taking over what another tool created: reading its state and matching it to dtr's addresses.

pub mod mapping;
pub mod tfstate;
