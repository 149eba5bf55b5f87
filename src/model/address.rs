//! Resource addresses (`dynamodb_table.tools`) and the kinds of resource dtr manages.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::kinds::for_each_kind;
use super::ResourceSpec;

macro_rules! define_kinds {
    ($($variant:ident $name:literal $spec:ty),* $(,)?) => {
        /// The kinds of resource a stack may declare (the `type:` of a resource), listed once in
        /// [`super::kinds`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum ResourceKind {
            $(#[serde(rename = $name)] $variant,)*
        }

        impl ResourceKind {
            pub const ALL: &'static [ResourceKind] = &[$(ResourceKind::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ResourceKind::$variant => $name,)*
                }
            }

            /// The attributes `${resource.<name>.<attr>}` may read from a resource of this kind.
            pub fn exported_attributes(self) -> &'static [&'static str] {
                match self {
                    $(ResourceKind::$variant => <$spec as ResourceSpec>::EXPORTS,)*
                }
            }

            /// The property naming the resource this one lives inside (an API's children, a
            /// function's permissions), which is found again only by looking inside that parent.
            pub fn parent_property(self) -> Option<&'static str> {
                match self {
                    $(ResourceKind::$variant => <$spec as ResourceSpec>::PARENT,)*
                }
            }

            /// What deleting a resource of this kind destroys with it, if anything.
            pub fn holds_data(self) -> Option<super::HeldData> {
                match self {
                    $(ResourceKind::$variant => <$spec as ResourceSpec>::HOLDS_DATA,)*
                }
            }

            /// Whether the service takes tags (and so dtr's `dtr:*` ownership tags).
            pub fn taggable(self) -> bool {
                match self {
                    $(ResourceKind::$variant => <$spec as ResourceSpec>::TAGS.is_some(),)*
                }
            }
        }
    };
}
for_each_kind!(define_kinds);

impl ResourceKind {
    pub fn parse(s: &str) -> Option<ResourceKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// Lives inside another resource (see [`ResourceKind::parent_property`]): what dtr finds inside a
    /// parent it owns is its own.
    pub fn contained(self) -> bool {
        self.parent_property().is_some()
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `<kind>.<name>`: the name is the resource's key in the stack file, unique within the stack.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResourceAddress {
    pub kind: ResourceKind,
    pub name: String,
}

impl ResourceAddress {
    pub fn new(kind: ResourceKind, name: impl Into<String>) -> Self {
        ResourceAddress {
            kind,
            name: name.into(),
        }
    }

    /// Resource names: a lowercase letter, then lowercase letters, digits and `_`, at most 64 characters.
    pub fn is_valid_name(name: &str) -> bool {
        let mut chars = name.chars();
        matches!(chars.next(), Some('a'..='z'))
            && name.len() <= 64
            && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
    }
}

impl fmt::Display for ResourceAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)
    }
}

impl std::str::FromStr for ResourceAddress {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (kind, name) = s
            .split_once('.')
            .ok_or_else(|| format!("`{s}` is not a resource address (expected <type>.<name>)"))?;
        let kind = ResourceKind::parse(kind)
            .ok_or_else(|| format!("`{kind}` in `{s}` is not a resource type dtr knows"))?;
        if !Self::is_valid_name(name) {
            return Err(format!("`{name}` in `{s}` is not a valid resource name"));
        }
        Ok(ResourceAddress::new(kind, name))
    }
}

impl TryFrom<String> for ResourceAddress {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<ResourceAddress> for String {
    fn from(a: ResourceAddress) -> String {
        a.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_round_trips_and_rejects_bad_input() {
        let a: ResourceAddress = "dynamodb_table.tools".parse().unwrap();
        assert_eq!(
            a,
            ResourceAddress::new(ResourceKind::DynamodbTable, "tools")
        );
        assert_eq!(a.to_string(), "dynamodb_table.tools");
        assert!("tools".parse::<ResourceAddress>().is_err());
        assert!("s3_thing.tools".parse::<ResourceAddress>().is_err());
        assert!("dynamodb_table.Tools".parse::<ResourceAddress>().is_err());
    }
}
