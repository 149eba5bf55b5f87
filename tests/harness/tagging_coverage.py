"""What AWS's Resource Groups Tagging API covers and moto's does not, patched in by the launcher.

AWS lists Amazon EventBridge Scheduler among the services whose resources `GetResources` returns
(https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/supported-services.html), so a
schedule group's tags are in the index as `scheduler:schedule-group`. moto 5.2.5's scheduler backend
does not take part in its tagging API, so its `GetResources` never lists a schedule group and dtr
would read the group's tags with a call of its own, which AWS would not need. `patch_scheduler()` makes
the scheduler backend one of the tagging API's backends, listing each schedule group with the tags
its own `ListTagsForResource` answers. The default group, which takes no tags, is left out.
"""


def patch_scheduler() -> None:
    from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource
    from moto.scheduler import models

    backend_class = models.scheduler_backends.backend
    if issubclass(backend_class, TaggableResourcesMixin):
        return

    # The backend's own methods first: its tag_resource takes AWS's tag list, not the mixin's dict.
    class TaggedSchedulerBackend(backend_class, TaggableResourcesMixin):
        SERVICE_NAMESPACE = "scheduler"

        def iter_tagged_resources(self):
            for name, group in self.schedule_groups.items():
                if name == "default":
                    continue
                tags = self.tagger.get_tag_dict_for_resource(group.arn)
                yield TaggedResource(arn=group.arn, tags=dict(tags), resource_type="scheduler:schedule-group")

    # moto finds a backend's URL routes from its class's module (moto.scheduler.models -> .urls).
    TaggedSchedulerBackend.__module__ = backend_class.__module__
    models.scheduler_backends.backend = TaggedSchedulerBackend
