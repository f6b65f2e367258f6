from django.urls import path

from guanxi.knowledge import public_views, views

app_name = "knowledge"
urlpatterns = [
    path("", views.SearchView.as_view(), name="search"),
    path("articles/", views.ArticleListView.as_view(), name="articles"),
    path("articles/add/", views.ArticleEditView.as_view(), name="article_add"),
    path("articles/<int:pk>/", views.ArticleView.as_view(), name="article"),
    path("articles/<int:pk>/edit/", views.ArticleEditView.as_view(), name="article_edit"),
    path("articles/<int:pk>/delete/", views.ArticleDeleteView.as_view(), name="article_delete"),
    path("articles/<int:pk>/<slug:action>/", views.ArticleStepView.as_view(), name="article_step"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("categories/add/", views.CategoryEditView.as_view(), name="category_add"),
    path("categories/<int:pk>/edit/", views.CategoryEditView.as_view(), name="category_edit"),
    path("help/", public_views.help_search, name="help"),
    path("help/<int:pk>/", public_views.help_article, name="help_article"),
    path("help/<int:pk>/helpful/", public_views.help_vote, name="help_vote"),
]
