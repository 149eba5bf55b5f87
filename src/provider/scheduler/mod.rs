//! EventBridge Scheduler: a schedule group (tagged, so dtr's ownership tags live there) and the
//! schedules inside it, addressed `<group>/<name>`, one file each.

mod group;
mod schedule;
