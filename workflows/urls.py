from django.urls import path

from workflows import views

app_name = "workflows"
urlpatterns = [path("audit/", views.audit_event_list_view, name="audit_events")]
