import json, pytest
from tests.web.test_page_walk import walk  # noqa
pytestmark = pytest.mark.django_db
def test_dump(walk):
    json.dump([dict(who=p.who, lang=p.language, url=p.url, status=p.status, texts=p.texts) for p in walk.pages], open("/tmp/pages.json","w"), ensure_ascii=False)
