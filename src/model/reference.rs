//! `${param.<name>}`, `${resource.<name>.<attr>}`, `${module.<module>.<output>}` and `${each.*}`
//! references inside strings. Module outputs and `each` are resolved when the configuration is
//! loaded; what reaches a plan holds only resource references, by [`ResourceAddress::reference`]
//! (`module.alarms.errors["api"]`).

use super::address::{split_key, split_module, ResourceAddress};

/// One reference found in a string, with its byte range in that string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    Param {
        name: String,
    },
    /// `name` is the resource's reference (`name`, `name["key"]`, `module.m.name["key"]`).
    Resource {
        name: String,
        attribute: String,
    },
    /// `${module.<module>.<output>}`.
    Module {
        module: String,
        output: String,
    },
    /// `${env.name}`, `${env.region}`, `${env.account_id}`: the environment being loaded.
    Env {
        field: String,
    },
    /// `${each.key}` (empty path), `${each.value}` (`["value"]`), `${each.value.x}`.
    Each {
        path: Vec<String>,
    },
    /// `${...}` that is neither of the above; the text inside the braces.
    Malformed(String),
}

/// Every `${...}` in `s`, in order, with its byte range. `$${` escapes a literal `${`.
pub fn find_references(s: &str) -> Vec<(std::ops::Range<usize>, Reference)> {
    let mut found = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'$' && bytes[i + 1] == b'$' {
            i += 2;
            continue;
        }
        if bytes[i] == b'$' && bytes[i + 1] == b'{' {
            let Some(end) = s[i + 2..].find('}').map(|e| i + 2 + e) else {
                found.push((i..s.len(), Reference::Malformed(s[i + 2..].to_string())));
                break;
            };
            found.push((i..end + 1, parse_inner(&s[i + 2..end])));
            i = end + 1;
            continue;
        }
        i += 1;
    }
    found
}

fn parse_inner(inner: &str) -> Reference {
    let inner_t = inner.trim();
    let ident = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let malformed = || Reference::Malformed(inner.to_string());
    if let Some(rest) = inner_t.strip_prefix("resource.") {
        let Some((name, attribute)) = rest.rsplit_once('.') else {
            return malformed();
        };
        return match parse_resource_ref(name) {
            Some(name) if ident(attribute) => Reference::Resource {
                name,
                attribute: attribute.to_string(),
            },
            _ => malformed(),
        };
    }
    let parts: Vec<&str> = inner_t.split('.').collect();
    match parts.as_slice() {
        ["param", name] if ident(name) => Reference::Param {
            name: name.to_string(),
        },
        ["module", module, output] if ident(module) && ident(output) => Reference::Module {
            module: module.to_string(),
            output: output.to_string(),
        },
        ["env", field] if ident(field) => Reference::Env {
            field: field.to_string(),
        },
        ["each", "key"] => Reference::Each { path: Vec::new() },
        ["each", "value", rest @ ..] if rest.iter().all(|p| ident(p)) => Reference::Each {
            path: std::iter::once("value")
                .chain(rest.iter().copied())
                .map(str::to_string)
                .collect(),
        },
        _ => malformed(),
    }
}

/// `name`, `name["key"]` or `module.m.name["key"]`, checked and written back canonically.
fn parse_resource_ref(text: &str) -> Option<String> {
    let (module, rest) = split_module(text).ok()?;
    let (name, key) = split_key(rest).ok()?;
    let probe = ResourceAddress::new(super::ResourceKind::ALL[0], name).scoped(module, key);
    Some(probe.reference())
}

/// Replace every resource reference in `s` using `lookup(name, attribute)`; `None` if any is unknown.
pub fn substitute_resources(
    s: &str,
    lookup: &dyn Fn(&str, &str) -> Option<String>,
) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (range, reference) in find_references(s) {
        out.push_str(&s[last..range.start]);
        match reference {
            Reference::Resource { name, attribute } => out.push_str(&lookup(&name, &attribute)?),
            _ => out.push_str(&s[range.clone()]),
        }
        last = range.end;
    }
    out.push_str(&s[last..]);
    Some(out)
}

/// True when `s` still contains a `${resource.*}` reference.
pub fn has_resource_reference(s: &str) -> bool {
    find_references(s)
        .iter()
        .any(|(_, r)| matches!(r, Reference::Resource { .. }))
}

/// True when any string inside a JSON value still contains a `${resource.*}` reference.
pub fn value_has_resource_reference(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => has_resource_reference(s),
        serde_json::Value::Array(items) => items.iter().any(value_has_resource_reference),
        serde_json::Value::Object(map) => map.values().any(value_has_resource_reference),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_params_resources_and_malformed() {
        let refs: Vec<Reference> =
            find_references("${param.a}-${resource.t.arn} ${x} $${param.no}")
                .into_iter()
                .map(|(_, r)| r)
                .collect();
        assert_eq!(
            refs,
            vec![
                Reference::Param { name: "a".into() },
                Reference::Resource {
                    name: "t".into(),
                    attribute: "arn".into()
                },
                Reference::Malformed("x".into()),
            ]
        );
    }

    #[test]
    fn finds_module_each_and_keyed_references() {
        let refs: Vec<Reference> = find_references(
            "${resource.errors[\"api\"].arn} ${resource.module.m.t.name} ${module.m.out} ${each.key} ${each.value.fn} ${resource.a[b].arn} ${each.nope}",
        )
        .into_iter()
        .map(|(_, r)| r)
        .collect();
        assert_eq!(
            refs,
            vec![
                Reference::Resource {
                    name: "errors[\"api\"]".into(),
                    attribute: "arn".into()
                },
                Reference::Resource {
                    name: "module.m.t".into(),
                    attribute: "name".into()
                },
                Reference::Module {
                    module: "m".into(),
                    output: "out".into()
                },
                Reference::Each { path: vec![] },
                Reference::Each {
                    path: vec!["value".into(), "fn".into()]
                },
                Reference::Malformed("resource.a[b].arn".into()),
                Reference::Malformed("each.nope".into()),
            ]
        );
    }

    #[test]
    fn unterminated_reference_is_malformed() {
        assert_eq!(
            find_references("a ${param.b").pop().map(|(_, r)| r),
            Some(Reference::Malformed("param.b".into()))
        );
    }

    #[test]
    fn substitutes_resource_references() {
        let got = substitute_resources("arn=${resource.t.arn}!", &|n, a| Some(format!("{n}/{a}")));
        assert_eq!(got.as_deref(), Some("arn=t/arn!"));
        assert_eq!(
            substitute_resources("${resource.t.arn}", &|_, _| None),
            None
        );
    }
}
