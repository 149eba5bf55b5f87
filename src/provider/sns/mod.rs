//! SNS: a topic and its subscriptions, one file each.

mod subscription;
mod topic;
