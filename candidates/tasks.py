from celery import shared_task


@shared_task(name="candidates.tasks.candidates_score", acks_late=True)
def candidates_score_task() -> int:
    """Nightly: score the candidate pool and propose its new top candidates
    (candidates.engine.candidates_score; running it twice proposes nothing twice).
    Returns how many candidates were proposed."""
    from candidates.engine import candidates_score

    return candidates_score()["proposed"]
