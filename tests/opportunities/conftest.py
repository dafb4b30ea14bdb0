import pytest

from tests.factories import ProductLineFactory, default_stages


@pytest.fixture
def stages(db):
    return default_stages()


@pytest.fixture
def lines(db):
    return {
        "software": ProductLineFactory(name="Software", code="software", order=1),
        "service": ProductLineFactory(name="Service", code="service", order=2),
        "hardware": ProductLineFactory(name="Hardware", code="hardware", order=3),
    }
