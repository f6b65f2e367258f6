"""A small knowledge base of the tests' own (the benchmark's data stays in bench/): one article
in each state, written at head office, the call center and the service station."""

from guanxi.core.models import OrgUnit, User
from guanxi.knowledge.models import Article, ArticleStatus


def make_articles() -> dict[str, Article]:
    unit = {code: OrgUnit.objects.get(code=code) for code in ("HQ", "CC", "S-SH")}
    supervisor = User.objects.get(username="u_supervisor")
    advisor = User.objects.get(username="u_service_advisor")
    rows = [
        ("tyres", "标准胎压 Tyre pressure", "轮胎气压打多少合适", "冷胎时按车门标签上的数值充气，一般 2.3 bar。",
         ArticleStatus.PUBLISHED, unit["CC"], supervisor, True),
        ("brakes", "刹车片更换", "刹车有异响", "刹车异响多为刹车片磨损，请到店检查 brake pads。",
         ArticleStatus.PUBLISHED, unit["HQ"], supervisor, False),
        ("draft", "充电桩安装 Home charger", "充电桩怎么装", "草稿：需要固定车位和物业同意。",
         ArticleStatus.DRAFT, unit["CC"], supervisor, True),
        ("review", "延保价格", "延保多少钱", "待审：延保约 2000 至 6000 元。",
         ArticleStatus.REVIEW, unit["CC"], supervisor, False),
        ("station", "洗车服务", "保养送洗车吗", "服务站草稿：保养后免费洗车。",
         ArticleStatus.DRAFT, unit["S-SH"], advisor, False),
        ("archived", "旧版保养周期", "保养周期", "已归档：每 5000 公里保养。",
         ArticleStatus.ARCHIVED, unit["HQ"], supervisor, False),
    ]
    if Article.objects.exists():  # made already in this test: the same rows, by their titles
        found = {article.title: article for article in Article.objects.all()}
        return {row[0]: found[row[1]] for row in rows}
    made = {}
    for key, title, question, answer, status, org_unit, author, standard in rows:
        made[key] = Article.objects.create(title=title, question=question, answer=answer, status=status,
                                           org_unit=org_unit, created_by=author, standard=standard)
    return made
