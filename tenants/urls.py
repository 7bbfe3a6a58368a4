from django.urls import path

from tenants import views

app_name = "tenants"
urlpatterns = [
    path("settings/api-keys/", views.api_key_list_view, name="api_keys"),
    path("settings/api-keys/<uuid:api_key_id>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
]
