def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "image: builds the production image's file set in a fresh virtual environment and "
        "runs it (run alone with `pytest -m image`)",
    )
