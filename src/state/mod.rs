//! What this environment owns (the state object in S3) and who may change it (the lock in DynamoDB).

pub mod applied;
pub mod bootstrap;
pub mod guard;
pub mod lock;
pub mod store;

pub use guard::LockGuard;
pub use lock::{DynamoLock, LockError, LockInfo};
pub use store::{ResourceState, State, StateError, StateStore};
