"""An IDENTITY_HOOK for the tests, standing in for a site's own sign-in: the user named by its
session header, refused without one, and one user turned away with the site's own answer."""

from chat.errors import forbidden


def identify(request):
    user = request.headers.get("X-Test-Session")
    if user == "banned":
        raise forbidden("This account is suspended", 20403)
    return user or None


def returns_garbage(request):
    return {"identity": "alice"}
