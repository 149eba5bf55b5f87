//! Tags of a whole environment from the Resource Groups Tagging API: one paged `GetResources`
//! filtered by the environment's `dtr:stack` and `dtr:env` tags, instead of one tag call per resource.
//!
//! The index is a shortcut, never the truth:
//! - It covers only what the tagging API covers (not IAM roles:
//!   <https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/supported-services.html>;
//!   moto's answers leave out API Gateway v2 and Scheduler too), so a resource it does not hold reads
//!   its tags with its own call: absence from the index never means "no tags".
//! - It lags. `GetResources` returns "all the tagged or previously tagged resources"
//!   (<https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html>)
//!   from an index that services feed after the fact, so it can answer tags a resource no longer has
//!   (AWS's explanation: <https://github.com/aws/aws-sdk/issues/302>). Tags read from it are marked
//!   provisional on the [`super::Live`]; the engine reads a resource again with its own calls before
//!   a plan shows a change of them ([`super::Live::provisional`]).
//!
//! - Only a plan's reads of what the state owns use it (`engine::observe`): what is found by its
//!   tags and adopted, and every write and its read-back, read the resource's own tags.
//!
//! The index is fetched at most once per command (a [`tokio::sync::OnceCell`] shared by every clone
//! of the `Clients` it is attached to), on the first read that needs it, with
//! `GetResources` paced at its quota, 15 calls a second ([`super::limiter`]). When `GetResources`
//! fails (a role without `tag:GetResources`, say), every resource reads its own tags.

use super::{aws_error, AwsError};
use crate::model::{TAG_ENV, TAG_STACK};
use aws_sdk_resourcegroupstagging::types::TagFilter;
use aws_sdk_resourcegroupstagging::Client;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The most resources one `GetResources` page holds.
const RESOURCES_PER_PAGE: i32 = 100;

/// The most tags one page holds (100–500). AWS recommends `ResourcesPerPage` over it but documents no
/// default for it; moto applies 100, which would end a page after about 16 of dtr's resources (six
/// tags each). Asking for the most keeps the pages as few as the resource limit allows.
const TAGS_PER_PAGE: i32 = 500;

/// How many resources whose kind takes its tags from the index
/// ([`super::ResourceType::TAGGING_SERVICE`]) the state must hold for the index to pay for itself:
/// one page reads up to a hundred of them and saves a call each; for one, the page costs what it saves.
pub const WORTH_IT: usize = 2;

/// ARN → tags.
pub type Tags = BTreeMap<String, String>;

/// One environment's tags by ARN, fetched on first use.
#[derive(Debug)]
pub struct TagIndex {
    stack: String,
    environment: String,
    /// The tagging API's services to list (`ResourceTypeFilters`): the kinds that use the index.
    services: Vec<String>,
    /// `None` once fetched: the tagging API could not be read, every resource reads its own tags.
    by_arn: OnceCell<Option<BTreeMap<String, Tags>>>,
}

impl TagIndex {
    pub fn new(stack: &str, environment: &str, services: &[&str]) -> Arc<Self> {
        Arc::new(TagIndex {
            stack: stack.to_string(),
            environment: environment.to_string(),
            services: services.iter().map(|s| s.to_string()).collect(),
            by_arn: OnceCell::new(),
        })
    }

    /// The tags the index holds for `arn`, fetching the index on first use; `None` when it holds no
    /// such ARN (or could not be read).
    async fn get(&self, tagging: &Client, arn: &str) -> Option<Tags> {
        let index = self
            .by_arn
            .get_or_init(|| async {
                match self.fetch(tagging).await {
                    Ok(index) => Some(index),
                    Err(error) => {
                        tracing::warn!("reading tags without the tagging API: {error}");
                        None
                    }
                }
            })
            .await;
        index.as_ref()?.get(arn).cloned()
    }

    /// Every page of `GetResources` for this environment's tags.
    async fn fetch(&self, tagging: &Client) -> Result<BTreeMap<String, Tags>, AwsError> {
        let filter = |key: &str, value: &str| {
            TagFilter::builder()
                .key(key)
                .values(value.to_string())
                .build()
        };
        let what = format!("tags of {} {}", self.stack, self.environment);
        let mut index = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let out = tagging
                .get_resources()
                .tag_filters(filter(TAG_STACK, &self.stack))
                .tag_filters(filter(TAG_ENV, &self.environment))
                .set_resource_type_filters(Some(self.services.clone()))
                .resources_per_page(RESOURCES_PER_PAGE)
                .tags_per_page(TAGS_PER_PAGE)
                .set_pagination_token(token)
                .send()
                .await
                .map_err(|e| aws_error("GetResources", &what, e))?;
            for mapping in out.resource_tag_mapping_list() {
                let Some(arn) = mapping.resource_arn() else {
                    continue;
                };
                let tags = mapping
                    .tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect();
                index.insert(arn.to_string(), tags);
            }
            token = out.pagination_token.filter(|t| !t.is_empty());
            if token.is_none() {
                return Ok(index);
            }
        }
    }
}

/// The tags of the resource `arn`: from `index` when it holds the ARN (and then `"tags"` joins
/// `provisional`), else from `native`, the resource's own tag call. Reads call it through
/// [`super::aws::Clients::tags_of`], with the index attached to their clients, if any.
pub async fn tags_of<F>(
    index: Option<&TagIndex>,
    tagging: &Client,
    arn: &str,
    provisional: &mut Vec<&'static str>,
    native: F,
) -> Result<Tags, AwsError>
where
    F: Future<Output = Result<Tags, AwsError>>,
{
    if let Some(index) = index {
        if let Some(tags) = index.get(tagging, arn).await {
            if !provisional.contains(&"tags") {
                provisional.push("tags");
            }
            return Ok(tags);
        }
    }
    native.await
}
