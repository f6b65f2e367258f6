from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "guanxi.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self):
        from auditlog.registry import auditlog
        from django.db.models.signals import m2m_changed, post_save

        from guanxi.core.registry import MenuItem, registry
        from guanxi.knowledge import index
        from guanxi.knowledge import models as m

        for model in (m.Article, m.Category, m.Tag):
            auditlog.register(model, exclude_fields=["uses", "helpful_yes", "helpful_no"])
        post_save.connect(index.on_article_saved, sender=m.Article, dispatch_uid="knowledge.index")
        m2m_changed.connect(index.on_tags_changed, sender=m.Article.tags.through, dispatch_uid="knowledge.index_tags")
        registry.add_menu_item(MenuItem("knowledge:search", _("Knowledge base"), "book",
                                        ("knowledge.article", "view"), 32))
        registry.add_menu_item(MenuItem("knowledge:categories", _("Knowledge categories"), "book",
                                        ("knowledge.category", "change"), 67))
