//! The one adapter between a kind's typed world and the engine's JSON one: [`Resource`] is
//! [`ResourceType`] with its types erased, and [`Adapter`] implements it for every kind. Converting
//! between JSON properties and a typed spec happens here and nowhere else.

use super::aws::Clients;
use super::kind::{Compared, Live, Observed, ResourceError, ResourceType, Result, Terraform};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde_json::Value;
use std::collections::BTreeMap;
use std::marker::PhantomData;

/// What the engine asks of any kind, over JSON properties: [`ResourceType`] with its types erased.
pub trait Resource: Send + Sync {
    fn physical_id(&self, props: &Value) -> Option<String>;
    fn tagged_after_create(&self) -> bool;
    fn identity(&self) -> &'static [&'static str];
    fn terraform(&self) -> Option<Terraform>;
    fn tagging_service(&self) -> Option<&'static str>;
    /// Pure: canonicalise the desired properties, normalise the observed ones against them, and say
    /// which differences force a replacement.
    fn compare(&self, desired: &Value, observed: Option<&Observed>) -> Result<Compared>;
    /// Pure: why an in-place update between two compared values is one AWS would refuse.
    fn update_refusal(&self, desired: &Value, observed: &Value) -> Option<String>;
    fn read<'a>(
        &'a self,
        clients: &'a Clients,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Observed>>>;
    /// How many ids one [`Resource::read_batch`] takes (0: the kind reads one at a time).
    fn batch_size(&self) -> usize;
    fn read_batch<'a>(
        &'a self,
        clients: &'a Clients,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<BTreeMap<String, Option<Observed>>>>;
    fn complete<'a>(
        &'a self,
        clients: &'a Clients,
        partial: Observed,
    ) -> BoxFuture<'a, Result<Observed>>;
    fn discover<'a>(
        &'a self,
        clients: &'a Clients,
        props: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Observed>>>;
    fn create<'a>(
        &'a self,
        clients: &'a Clients,
        props: &'a Value,
    ) -> BoxFuture<'a, Result<Observed>>;
    fn update<'a>(
        &'a self,
        clients: &'a Clients,
        props: &'a Value,
        observed: &'a Observed,
    ) -> BoxFuture<'a, Result<Observed>>;
    fn delete<'a>(
        &'a self,
        clients: &'a Clients,
        id: &'a str,
        force_destroy: bool,
    ) -> BoxFuture<'a, Result<()>>;
}

/// [`Resource`] for the kind whose spec is `T`.
pub struct Adapter<T>(PhantomData<fn() -> T>);

impl<T> Adapter<T> {
    pub const INSTANCE: Self = Adapter(PhantomData);
}

fn typed<T: serde::de::DeserializeOwned>(props: &Value) -> Result<T> {
    serde_json::from_value(props.clone()).map_err(|e| ResourceError::Invalid(e.to_string()))
}

fn to_value<T: serde::Serialize>(spec: &T) -> Value {
    serde_json::to_value(spec).unwrap_or(Value::Null)
}

fn erase<T: serde::Serialize>(live: Live<T>) -> Observed {
    Live {
        spec: to_value(&live.spec),
        physical_id: live.physical_id,
        outputs: live.outputs,
        unreported: live.unreported,
        provisional: live.provisional,
    }
}

fn restore<T: serde::de::DeserializeOwned>(observed: &Observed) -> Result<Live<T>> {
    Ok(Live {
        spec: typed(&observed.spec)?,
        physical_id: observed.physical_id.clone(),
        outputs: observed.outputs.clone(),
        unreported: observed.unreported.clone(),
        provisional: observed.provisional.clone(),
    })
}

/// The [`ResourceType::FORCE_NEW`] attributes whose values differ.
fn forced<T: ResourceType>(want: &Value, have: &Value) -> Vec<String> {
    T::FORCE_NEW
        .iter()
        .filter(|key| want.get(**key) != have.get(**key))
        .map(|key| key.to_string())
        .collect()
}

impl<T: ResourceType> Resource for Adapter<T> {
    fn physical_id(&self, props: &Value) -> Option<String> {
        T::physical_id(props)
    }

    fn tagged_after_create(&self) -> bool {
        T::TAGGED_AFTER_CREATE
    }

    fn identity(&self) -> &'static [&'static str] {
        T::IDENTITY
    }

    fn terraform(&self) -> Option<Terraform> {
        T::TERRAFORM
    }

    fn tagging_service(&self) -> Option<&'static str> {
        T::TAGGING_SERVICE
    }

    fn compare(&self, desired: &Value, observed: Option<&Observed>) -> Result<Compared> {
        let want = typed::<T>(desired)?.canonical();
        let Some(observed) = observed else {
            return Ok(Compared {
                desired: to_value(&want),
                observed: None,
                replace_reasons: Vec::new(),
            });
        };
        let mut have = typed::<T>(&observed.spec)?.canonical();
        T::normalize(&mut have, &want, &observed.unreported);
        let (desired, observed) = (to_value(&want), to_value(&have));
        let mut replace_reasons = forced::<T>(&desired, &observed);
        for reason in T::replacement_reasons(&want, &have) {
            if !replace_reasons.contains(&reason) {
                replace_reasons.push(reason);
            }
        }
        Ok(Compared {
            desired,
            observed: Some(observed),
            replace_reasons,
        })
    }

    fn update_refusal(&self, desired: &Value, observed: &Value) -> Option<String> {
        T::update_refusal(&typed(desired).ok()?, &typed(observed).ok()?)
    }

    fn read<'a>(
        &'a self,
        clients: &'a Clients,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Observed>>> {
        async move { Ok(T::read(clients, id).await?.map(erase)) }.boxed()
    }

    fn batch_size(&self) -> usize {
        T::BATCH
    }

    fn read_batch<'a>(
        &'a self,
        clients: &'a Clients,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<BTreeMap<String, Option<Observed>>>> {
        async move {
            let lives = T::read_batch(clients, ids).await?;
            Ok(lives
                .into_iter()
                .map(|(id, live)| (id, live.map(erase)))
                .collect())
        }
        .boxed()
    }

    fn complete<'a>(
        &'a self,
        clients: &'a Clients,
        partial: Observed,
    ) -> BoxFuture<'a, Result<Observed>> {
        async move {
            let live = restore::<T>(&partial)?;
            Ok(erase(T::complete(clients, live).await?))
        }
        .boxed()
    }

    fn discover<'a>(
        &'a self,
        clients: &'a Clients,
        props: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Observed>>> {
        async move {
            match T::discover(clients, props).await? {
                Some(id) => self.read(clients, &id).await,
                None => Ok(None),
            }
        }
        .boxed()
    }

    fn create<'a>(
        &'a self,
        clients: &'a Clients,
        props: &'a Value,
    ) -> BoxFuture<'a, Result<Observed>> {
        async move {
            let spec: T = typed(props)?;
            Ok(erase(T::create(clients, &spec).await?))
        }
        .boxed()
    }

    fn update<'a>(
        &'a self,
        clients: &'a Clients,
        props: &'a Value,
        observed: &'a Observed,
    ) -> BoxFuture<'a, Result<Observed>> {
        async move {
            let spec: T = typed(props)?;
            let live = restore::<T>(observed)?;
            Ok(erase(T::update(clients, &spec, &live).await?))
        }
        .boxed()
    }

    fn delete<'a>(
        &'a self,
        clients: &'a Clients,
        id: &'a str,
        force_destroy: bool,
    ) -> BoxFuture<'a, Result<()>> {
        T::delete(clients, id, force_destroy).boxed()
    }
}

/// Pure, for the kinds' unit tests: compare `want` with `have` as the planner does.
#[cfg(test)]
pub fn compared<T: ResourceType>(want: &T, have: &T) -> Compared {
    let have = Live::with_output("id", to_value(have), "id", "id");
    Adapter::<T>::INSTANCE
        .compare(&to_value(want), Some(&have))
        .expect("specs that serialise compare")
}
