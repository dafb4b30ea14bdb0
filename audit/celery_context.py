"""History context for Celery tasks: rows changed by a task record the task's name and,
when the task was given an ``actor_id``, that user (the same ``user`` key the web
middleware writes)."""

import pghistory
from celery.signals import task_postrun, task_prerun

_open = {}


@task_prerun.connect(dispatch_uid="audit.history_context_open")
def _open_context(task_id=None, task=None, kwargs=None, **_):
    context = pghistory.context(
        task=getattr(task, "name", None), user=(kwargs or {}).get("actor_id")
    )
    context.__enter__()
    _open[task_id] = context


@task_postrun.connect(dispatch_uid="audit.history_context_close")
def _close_context(task_id=None, **_):
    context = _open.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)
