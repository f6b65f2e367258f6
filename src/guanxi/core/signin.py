"""What a user's roles ask of signing in (core.models.RolePolicy), applied at sign-in: how long the
session lasts and whether a code from an authenticator app (TOTP, django-otp) must follow the
password before anything else opens.

Both are decided once, at sign-in, and kept in the session: the middleware then checks a session
key, not the database, on every request. A policy an administrator changes applies from each
member's next sign-in (at most GUANXI_SESSION_HOURS later).
"""

import base64

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db.models import Min
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanxi.core.errors import API_PREFIX, permission_denied
from guanxi.core.models import RolePolicy

SECOND_FACTOR_DUE = "guanxi_second_factor_due"
DEVICE_NAME = "Guanxi"


def policy_for(user) -> tuple[int, bool]:
    """(session seconds, second factor required) over the roles of the user's memberships."""
    policies = RolePolicy.objects.filter(role__memberships__user=user)
    found = policies.aggregate(hours=Min("session_hours"))
    hours = found["hours"] or settings.SESSION_COOKIE_AGE // 3600
    return hours * 3600, policies.filter(second_factor=True).exists()


@receiver(user_logged_in)
def apply_role_policy(sender, request, user, **kwargs):
    seconds, second_factor = policy_for(user)
    request.session.set_expiry(seconds)
    if second_factor:
        request.session[SECOND_FACTOR_DUE] = True


class SecondFactorMiddleware:
    """Until the code is given, a user whose role asks for it reaches only the second-factor page
    and signing out; an API call made with the session gets 403 (API tokens are issued from a
    verified session and are not affected)."""

    OPEN_PATHS = ("/second-factor/", "/logout/", "/i18n/", settings.STATIC_URL)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(SECOND_FACTOR_DUE) and not request.path.startswith(self.OPEN_PATHS):
            if request.user.is_verified():
                del request.session[SECOND_FACTOR_DUE]
            elif request.path.startswith(API_PREFIX):
                return permission_denied(request, PermissionDenied(_("Sign in on a page and give the code from your "
                                                                     "authenticator app first.")))
            else:
                return redirect(f"{reverse('second_factor')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def device_for(user) -> TOTPDevice:
    """The user's confirmed authenticator, or the one being set up (made on first need)."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def enrolment(device: TOTPDevice) -> dict:
    """What an authenticator app needs: a QR code of the otpauth:// address, and the key to type."""
    svg = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
    key = base64.b32encode(device.bin_key).decode()
    return {"qr_svg": svg, "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4))}
