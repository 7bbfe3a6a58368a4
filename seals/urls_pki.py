from django.urls import path

from seals import views

app_name = "pki"
urlpatterns = [
    path("seal-ca.crl", views.seal_ca_crl, name="seal_ca_crl"),
    path("root.crl", views.root_crl, name="root_crl"),
    path("tsa", views.timestamp_authority, name="tsa"),
    path("ocsp", views.ocsp_responder, name="ocsp"),
    path("ocsp/<path:encoded>", views.ocsp_responder, name="ocsp_get"),
    path("<slug:role>.crt", views.authority_certificate, name="certificate"),
]
