from django.urls import path

from tenants import views

app_name = "tenants"
urlpatterns = [
    path("settings/", views.company_settings_view, name="company_settings"),
    path("settings/api-keys/", views.api_key_list_view, name="api_keys"),
    path("settings/api-keys/<uuid:api_key_id>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
    path("settings/api-keys/<uuid:api_key_id>/rotate/", views.api_key_rotate_view, name="api_key_rotate"),
    path("members/", views.member_list_view, name="members"),
    path("members/invite/", views.member_invite_view, name="member_invite"),
    path("members/<int:membership_id>/role/", views.member_role_view, name="member_role"),
    path("members/<int:membership_id>/remove/", views.member_remove_view, name="member_remove"),
    path("members/invitations/<uuid:invitation_id>/revoke/", views.invitation_revoke_view, name="invitation_revoke"),
]
