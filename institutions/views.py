"""Pages of the institutions app: the invitation page."""

from django.http import HttpResponse


def invitation_page(request, token):
    return HttpResponse("Invitation")
