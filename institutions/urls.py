from django.urls import path

from institutions import views

urlpatterns = [
    path("invite/<str:token>", views.invitation_page, name="invitation-accept"),
]
