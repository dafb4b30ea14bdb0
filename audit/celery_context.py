"""History context for Celery tasks: rows changed by a task record the task's name and,
when the task was given an ``actor_id``, that user (the same ``user`` key the web
middleware writes).

Tasks are enqueued with ``actor_id`` as a keyword; an ``actor_id`` sent positionally is
read from the task's signature all the same, so no caller can lose the person."""

import inspect

import pghistory
from celery.signals import task_postrun, task_prerun

_open = {}


def actor_of(task, args, kwargs):
    """The ``actor_id`` a task was called with, by keyword or by position."""
    kwargs = kwargs or {}
    if "actor_id" in kwargs:
        return kwargs["actor_id"]
    if not args or task is None:
        return None
    try:
        bound = inspect.signature(task.run).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return None
    return bound.arguments.get("actor_id")


@task_prerun.connect(dispatch_uid="audit.history_context_open")
def _open_context(task_id=None, task=None, args=None, kwargs=None, **_):
    context = pghistory.context(task=getattr(task, "name", None), user=actor_of(task, args, kwargs))
    context.__enter__()
    _open[task_id] = context


@task_postrun.connect(dispatch_uid="audit.history_context_close")
def _close_context(task_id=None, **_):
    context = _open.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)
