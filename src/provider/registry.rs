//! The registry: every kind in [`crate::model::kinds`] → its [`Resource`], generated from that one
//! list. A kind whose spec does not implement [`super::ResourceType`] does not compile.

use super::adapter::{Adapter, Resource};
use crate::model::kinds::for_each_kind;
use crate::model::ResourceKind;

macro_rules! registry {
    ($($variant:ident $name:literal $spec:ty),* $(,)?) => {
        /// The implementation of `kind`.
        pub fn of(kind: ResourceKind) -> &'static dyn Resource {
            match kind {
                $(ResourceKind::$variant => &Adapter::<$spec>::INSTANCE,)*
            }
        }
    };
}
for_each_kind!(registry);
