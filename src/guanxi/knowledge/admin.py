"""The admin for the knowledge base's reference lists: categories and tags."""

from django.contrib import admin

from guanxi.knowledge.models import Category, Tag


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "order")
    search_fields = ("name", "name_en")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)
