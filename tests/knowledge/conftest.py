import pytest

from tests.knowledge.articles import make_articles


@pytest.fixture
def articles(users, customers):
    return make_articles()
