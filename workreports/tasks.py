from celery import shared_task


@shared_task(name="workreports.tasks.work_reports_draft", acks_late=True)
def work_reports_draft(kind: str = "week", force: bool = False) -> int:
    """Draft the reports due today (idempotent per KAM and period: ON CONFLICT DO NOTHING)."""
    from workreports.drafts import work_reports_draft as run

    return run(kind=kind, force=force)
