pub mod events;
mod log_group;
