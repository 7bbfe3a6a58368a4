from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("login/verify/", views.login_verify, name="login_verify"),
    path("handoff/", views.host_handoff, name="handoff"),
    path("security/", views.security, name="security"),
    path("security/authenticator/", views.authenticator_setup, name="authenticator_setup"),
    path("security/recovery-codes/", views.recovery_codes_regenerate, name="recovery_codes_regenerate"),
    path("register/", views.register, name="register"),
    path("register/already-registered/", views.register_conflict, name="register_conflict"),
    path("recover/", views.account_recover, name="account_recover"),
    path("recover/confirm/", views.account_recover_confirm, name="account_recover_confirm"),
    path("appeals/new/", views.identity_appeal_create, name="identity_appeal_create"),
    path("appeals/<uuid:appeal_id>/", views.identity_appeal_detail, name="identity_appeal_detail"),
    path("email/verify/", views.email_verify, name="email_verify"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/confirm/", views.password_reset_confirm, name="password_reset_confirm"),
]
