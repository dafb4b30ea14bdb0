from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("tokens/", views.TokenListView.as_view(), name="tokens"),
    path("tokens/revoke/", views.TokenRevokeView.as_view(), name="token-revoke"),
    path("service-users/", views.ServiceUserListView.as_view(), name="service-users"),
    path(
        "service-users/token/",
        views.ServiceUserTokenView.as_view(),
        name="service-user-token",
    ),
    path("webhooks/", views.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/<int:pk>/", views.WebhookDetailView.as_view(), name="webhook-detail"),
    path(
        "deliveries/<int:pk>/redeliver/",
        views.DeliveryRedeliverView.as_view(),
        name="delivery-redeliver",
    ),
    path("import/accounts/", views.AccountImportView.as_view(), name="account-import"),
    path("import/contacts/", views.ContactImportView.as_view(), name="contact-import"),
    path("import/template/", views.ImportTemplateView.as_view(), name="import-template"),
]
