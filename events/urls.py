from django.urls import path

from events import views, views_webhooks

app_name = "events"
urlpatterns = [
    path("audit/", views.audit_event_list_view, name="audit_events"),
    path("settings/webhooks/", views_webhooks.webhook_list_view, name="webhooks"),
    path("settings/webhooks/<uuid:endpoint_id>/", views_webhooks.webhook_detail_view, name="webhook_detail"),
    path(
        "settings/webhooks/<uuid:endpoint_id>/<str:action>/",
        views_webhooks.webhook_action_view,
        name="webhook_action",
    ),
    path(
        "settings/webhooks/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/resend/",
        views_webhooks.webhook_resend_view,
        name="webhook_resend",
    ),
]
