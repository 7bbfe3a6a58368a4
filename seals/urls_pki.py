from django.urls import path

from seals import views

app_name = "pki"
urlpatterns = [
    path("seal-ca.crl", views.seal_ca_crl, name="seal_ca_crl"),
    path("<slug:role>.crt", views.authority_certificate, name="certificate"),
]
