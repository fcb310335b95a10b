from django.urls import path

from . import views

app_name = "carerequests"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/<int:episode_id>/", views.new, name="new"),
    path("<int:request_id>/", views.detail, name="detail"),
    path("<int:request_id>/<str:action>/", views.act, name="act"),
    path("logistics/<int:episode_id>/", views.logistics, name="logistics"),
    path("logistics/order/<int:order_id>/advance/", views.logistics_advance, name="advance"),
]
