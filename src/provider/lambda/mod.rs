mod function;
mod permission;
