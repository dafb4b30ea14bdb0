"""Demo logins shared by `seed_demo` and `make run` (no Django imports here)."""

DEMO_PASSWORD = "kam-demo-2026"  # noqa: S105 - a published demo login, printed by `make run`
