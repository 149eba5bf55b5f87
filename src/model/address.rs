//! Resource addresses (`dynamodb_table.tools`, `module.alarms.metric_alarm.errors["api"]`) and the kinds of resource dtr manages.

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

/// `[module.<module>.]<kind>.<name>[["<key>"]]`: the name is the resource's key in its stack or module
/// file; `module` the module instance it was declared in (none for the stack's own resources); `key`
/// the `for_each` instance. Unique within the stack, like Terraform's resource addresses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResourceAddress {
    pub module: Option<String>,
    pub kind: ResourceKind,
    pub name: String,
    pub key: Option<String>,
}

impl ResourceAddress {
    pub fn new(kind: ResourceKind, name: impl Into<String>) -> Self {
        ResourceAddress {
            module: None,
            kind,
            name: name.into(),
            key: None,
        }
    }

    /// The same resource in module instance `module`, as `for_each` instance `key`.
    pub fn scoped(mut self, module: Option<String>, key: Option<String>) -> Self {
        self.module = module;
        self.key = key;
        self
    }

    /// Resource and module names: a lowercase letter, then lowercase letters, digits and `_`, at most
    /// 64 characters.
    pub fn is_valid_name(name: &str) -> bool {
        let mut chars = name.chars();
        matches!(chars.next(), Some('a'..='z'))
            && name.len() <= 64
            && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
    }

    /// `for_each` keys: 1 to 64 letters, digits, `_` and `-` (they appear in addresses, tags and
    /// usually in physical names).
    pub fn is_valid_key(key: &str) -> bool {
        (1..=64).contains(&key.len())
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }

    /// What `${resource.<ref>.<attribute>}` names this resource by once modules are expanded:
    /// the address without its kind (`module.alarms.errors["authorizer"]`), unique in a stack.
    pub fn reference(&self) -> String {
        let mut out = String::new();
        if let Some(m) = &self.module {
            out.push_str(&format!("module.{m}."));
        }
        out.push_str(&self.name);
        if let Some(k) = &self.key {
            out.push_str(&format!("[\"{k}\"]"));
        }
        out
    }

    /// The address in the `dtr:address` tag: AWS tag values do not take `[` or `"`, so a
    /// `for_each` key follows a `/` (`metric_alarm.errors/authorizer`); names cannot hold `/`.
    pub fn tag_value(&self) -> String {
        let mut out = String::new();
        if let Some(m) = &self.module {
            out.push_str(&format!("module.{m}."));
        }
        out.push_str(&format!("{}.{}", self.kind, self.name));
        if let Some(k) = &self.key {
            out.push_str(&format!("/{k}"));
        }
        out
    }

    /// Whether this resource is `other` or inside it, where `other` may be a whole module
    /// (`module.alarms`) or a resource without its key (all its `for_each` instances).
    pub fn within(&self, other: &str) -> bool {
        let text = self.to_string();
        text == other
            || text
                .strip_prefix(other)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    }
}

/// What `--target` names: one resource (`module.api.api_route.tool["list"]`), every instance of a
/// `for_each` resource (`module.api.api_route.tool`), or a whole module instance (`module.api`), as
/// Terraform's `-target` does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Target(String);

impl Target {
    /// Whether `address` is this target or inside it.
    pub fn matches(&self, address: &ResourceAddress) -> bool {
        address.within(&self.0)
    }
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let whole_module = s
            .strip_prefix("module.")
            .is_some_and(ResourceAddress::is_valid_name);
        match whole_module || s.parse::<ResourceAddress>().is_ok() {
            true => Ok(Target(s.to_string())),
            false => Err(format!(
                "`{s}` is not a target: expected <type>.<name>, <type>.<name>[\"<key>\"] or module.<name>, \
                 each optionally inside module.<name>"
            )),
        }
    }
}

impl TryFrom<String> for Target {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Target> for String {
    fn from(t: Target) -> String {
        t.0
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `name` or `name["key"]` → its parts, checked.
pub fn split_key(text: &str) -> Result<(String, Option<String>), String> {
    let (name, key) = match text.find('[') {
        None => (text, None),
        Some(i) => {
            let key = text[i..]
                .strip_prefix("[\"")
                .and_then(|k| k.strip_suffix("\"]"))
                .ok_or_else(|| format!("`{text}`: a for_each key is written name[\"key\"]"))?;
            if !ResourceAddress::is_valid_key(key) {
                return Err(format!(
                    "`{key}` in `{text}` is not a valid for_each key (1-64 letters, digits, `_`, `-`)"
                ));
            }
            (&text[..i], Some(key.to_string()))
        }
    };
    if !ResourceAddress::is_valid_name(name) {
        return Err(format!("`{name}` in `{text}` is not a valid resource name"));
    }
    Ok((name.to_string(), key))
}

/// `module.<m>.rest` → (`Some(m)`, `rest`); anything else → (`None`, it).
pub fn split_module(text: &str) -> Result<(Option<String>, &str), String> {
    match text.strip_prefix("module.") {
        None => Ok((None, text)),
        Some(rest) => {
            let (module, rest) = rest
                .split_once('.')
                .ok_or_else(|| format!("`{text}`: expected module.<module>.<...>"))?;
            if !ResourceAddress::is_valid_name(module) {
                return Err(format!("`{module}` in `{text}` is not a valid module name"));
            }
            Ok((Some(module.to_string()), rest))
        }
    }
}

impl fmt::Display for ResourceAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(m) = &self.module {
            write!(f, "module.{m}.")?;
        }
        write!(f, "{}.{}", self.kind, self.name)?;
        if let Some(k) = &self.key {
            write!(f, "[\"{k}\"]")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for ResourceAddress {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (module, rest) = split_module(s)?;
        let (kind, name) = rest
            .split_once('.')
            .ok_or_else(|| format!("`{s}` is not a resource address (expected <type>.<name>)"))?;
        let kind = ResourceKind::parse(kind)
            .ok_or_else(|| format!("`{kind}` in `{s}` is not a resource type dtr knows"))?;
        let (name, key) = split_key(name)?;
        Ok(ResourceAddress::new(kind, name).scoped(module, key))
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

    #[test]
    fn module_and_for_each_addresses_round_trip() {
        let text = "module.alarms.metric_alarm.errors[\"tool-manager\"]";
        let a: ResourceAddress = text.parse().unwrap();
        assert_eq!(a.module.as_deref(), Some("alarms"));
        assert_eq!(a.name, "errors");
        assert_eq!(a.key.as_deref(), Some("tool-manager"));
        assert_eq!(a.to_string(), text);
        assert_eq!(a.reference(), "module.alarms.errors[\"tool-manager\"]");
        assert_eq!(
            a.tag_value(),
            "module.alarms.metric_alarm.errors/tool-manager"
        );
        assert!(a.within("module.alarms"));
        assert!(a.within("module.alarms.metric_alarm.errors"));
        assert!(!a.within("module.alarm"));
        for (target, hits) in [
            ("module.alarms", true),
            ("module.alarms.metric_alarm.errors", true),
            ("module.alarms.metric_alarm.errors[\"tool-manager\"]", true),
            ("module.alarms.metric_alarm.error", false),
            ("metric_alarm.errors", false),
        ] {
            let t: Target = target.parse().unwrap();
            assert_eq!(t.matches(&a), hits, "{target}");
        }
        for bad in [
            "module",
            "module.",
            "metric_alarm",
            "module.alarms.metric_alarm",
        ] {
            assert!(bad.parse::<Target>().is_err(), "{bad}");
        }
        for bad in [
            "module.Alarms.metric_alarm.errors",
            "module.alarms",
            "metric_alarm.errors[x]",
            "metric_alarm.errors[\"a.b\"]",
            "metric_alarm.errors[\"\"]",
            "metric_alarm.errors[\"a\"]x",
        ] {
            assert!(bad.parse::<ResourceAddress>().is_err(), "{bad}");
        }
    }
}
