"""Account tiering: the scoring model, scores with their breakdown, and overrides."""
