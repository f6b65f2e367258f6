"""Org units, users, memberships and API tokens: who works where, in which roles."""

import functools
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from guanxi.core import validators as V
from guanxi.core.roles import role_label


class OrgUnitKind(models.TextChoices):
    HQ = "hq", _("Head office")
    REGION = "region", _("Region")
    DEALER = "dealer", _("Dealer (4S)")
    SERVICE_STATION = "service_station", _("Service station")
    CALL_CENTER = "call_center", _("Call center")


class OrgUnit(models.Model):
    """A node of the organisation tree. `path` is a materialised path ("0001/0004/0012/")
    so that "this unit and everything under it" is one indexed prefix match."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgUnitKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, editable=False, db_index=True)
    has_service = models.BooleanField(_("has a service department"), default=False)
    province = models.CharField(_("province"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=40, blank=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")

    def __str__(self):
        return self.name

    def clean(self):
        if self.pk and self.parent_id and self.parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": _("A unit cannot be placed under itself or one of its own units.")})

    def save(self, *args, **kwargs):
        """Keeps the materialised paths true, also of everything below a unit that moves (a dealer
        changing region carries its service department and its customers' visibility with it)."""
        with transaction.atomic():
            self.clean()
            super().save(*args, **kwargs)
            old, new = self.path, f"{self.parent.path if self.parent_id else ''}{self.pk:06d}/"
            if new != old:
                self.path = new
                OrgUnit.objects.filter(pk=self.pk).update(path=new)
                if old:
                    OrgUnit.objects.filter(path__startswith=old).exclude(pk=self.pk).update(
                        path=Concat(Value(new), Substr("path", len(old) + 1))
                    )

    def subtree_ids(self) -> list[int]:
        return list(OrgUnit.objects.filter(path__startswith=self.path).values_list("pk", flat=True))

    @property
    def sees_everything(self) -> bool:
        """Head office and the central call center serve every customer."""
        return self.kind in (OrgUnitKind.HQ, OrgUnitKind.CALL_CENTER)


class Tracked(models.Model):
    """Who made a record and when, and when it last changed: the mixin of records people work on
    (leads, deals, quotes …); the generic edit pages' changed-meanwhile check reads `updated_at`."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


GRANTS_CACHE_SECONDS = 30


def _grants_cache_key(user_id) -> str:
    return f"guanxi:grants:{user_id}"


def forget_grants(user_ids) -> None:
    """Memberships or a role changed: these users' rights are read anew on their next request.

    Forgotten now and again when the change commits: a request in another process between the
    two would otherwise cache the rights from before the change.
    """
    keys = [_grants_cache_key(user_id) for user_id in user_ids]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


class GuanxiUserManager(UserManager):
    def create_user(self, username, email=None, password=None, *, role=None, org_unit=None, **extra_fields):
        """A user, and with `role` (a group name) and `org_unit` their first membership."""
        with transaction.atomic():
            user = super().create_user(username, email, password, **extra_fields)
            if role and org_unit:
                Membership.objects.create(user=user, org_unit=org_unit, role=Group.objects.get(name=role))
        return user


class User(AbstractUser):
    """A person working in one or more org units, in a role in each (their memberships)."""

    # Blank follows the browser; set, it wins over the browser until the language switch is used.
    language = models.CharField(_("language"), max_length=10, blank=True, choices=settings.LANGUAGES)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")

    objects = GuanxiUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @cached_property
    def membership_rows(self) -> list[tuple]:
        """Every membership with each permission of its role:
        (unit id, unit name, unit path, unit kind, role name, permission's app label, codename).
        The scoping layer, the top bar and the default unit of new records all read these.

        Read on every request (the phone lookup of every incoming call among them), so kept in the
        cache for GRANTS_CACHE_SECONDS; a membership or role edit forgets the users it touches at
        once (in every process when the cache is Redis; else within that time).
        """
        key = _grants_cache_key(self.pk)
        rows = cache.get(key)
        if rows is None:
            rows = list(
                self.memberships.order_by("pk").values_list(
                    "org_unit_id",
                    "org_unit__name",
                    "org_unit__path",
                    "org_unit__kind",
                    "role__name",
                    "role__permissions__content_type__app_label",
                    "role__permissions__codename",
                )
            )
            cache.set(key, rows, GRANTS_CACHE_SECONDS)
        return rows

    @property
    def membership_labels(self) -> list[str]:
        """ "D001 浦东 · Dealer sales", one per membership, in the order they were given."""
        labels = {
            f"{unit} · {role_label(role)}": None for _id, unit, _path, _kind, role, *_perm in self.membership_rows
        }
        return list(labels)

    @property
    def primary_unit_id(self) -> int | None:
        """The unit a record the user makes is filed under (an interaction's org unit): the first membership's."""
        return self.membership_rows[0][0] if self.membership_rows else None


SYSTEM_USERNAME = "system"


def administrators():
    """People who can still administer Guanxi: active staff users who are superusers or hold a role
    that may grant memberships. Edits that would leave none are refused (core.admin)."""
    grants_roles = models.Q(
        memberships__role__permissions__content_type__app_label="core",
        memberships__role__permissions__codename="change_membership",
    )
    return (
        User.objects.filter(is_active=True, is_staff=True)  # the admin, where roles are edited, needs staff
        .exclude(username=SYSTEM_USERNAME)
        .filter(models.Q(is_superuser=True) | grants_roles)
        .distinct()
    )


class Membership(models.Model):
    """One org unit and the role the user holds there. Rights are the union over memberships."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("org unit")
    )
    role = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("role"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "org_unit", "role"], name="one_membership_per_role")]

    def __str__(self):
        return f"{self.org_unit} · {role_label(self.role.name)}"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class RolePolicy(models.Model):
    """What a role asks of signing in: a shorter session (shared call-center screens) and a second
    factor (a code from an authenticator app). A user with several roles gets the shortest session
    and a second factor when any role asks for one (core.signin applies both at sign-in)."""

    role = models.OneToOneField(Group, on_delete=models.CASCADE, primary_key=True, related_name="policy",
                                verbose_name=_("role"))
    session_hours = models.PositiveSmallIntegerField(
        _("session hours"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text=_("Sign-in lasts this long; empty: the installation's default (GUANXI_SESSION_HOURS)."),
    )
    second_factor = models.BooleanField(
        _("second factor required"), default=False,
        help_text=_("Members confirm each sign-in with a six-digit code from an authenticator app."),
    )

    class Meta:
        verbose_name = _("sign-in policy")
        verbose_name_plural = _("sign-in policies")

    def __str__(self):
        return role_label(self.role.name)


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


def _password_stamp(user) -> str:
    """Changes whenever the user's password does (Django's own session check, reused)."""
    return user.get_session_auth_hash()


# A checked token and its user are kept in the cache this long; each call still asks the database
# whether the token exists and what its user's active flag, superuser flag and password are now.
TOKEN_CACHE_SECONDS = 30


class ApiTokenManager(models.Manager):
    def authenticate(self, raw: str):
        """The token, if it is known, unexpired, its user active and their password unchanged
        since it was issued; else None.

        Checked against the database on every call, so a token that was revoked, whose user was
        deactivated, lost superuser rights or changed their password is refused on the very next
        request in every worker process. That check is one indexed query of three columns; the
        token and user objects themselves come from the cache (building them through the ORM cost
        four times as much CPU, on a path every incoming call takes).
        """
        key_hash = _hash_token(raw)
        token = cache.get(_token_cache_key(key_hash))
        now = _token_user_now(self.db, key_hash)
        if now is None:
            return None
        if token is None or (token.user.is_active, token.user.is_superuser, token.user.password) != now:
            token = self.select_related("user").filter(key_hash=key_hash).first()
            if token is None:
                return None
            cache.set(_token_cache_key(key_hash), token, TOKEN_CACHE_SECONDS)
        if (
            not token.user.is_active
            or (token.expires_at and token.expires_at < timezone.now())
            or not constant_time_compare(token.password_stamp, _password_stamp(token.user))
        ):
            return None
        return token


def _token_cache_key(key_hash: str) -> str:
    return f"guanxi:apitoken:{key_hash}"


@functools.cache
def _token_user_statement(db: str) -> str:
    """The check's SQL, written once per database (quoted as that database quotes)."""
    quote = connections[db].ops.quote_name
    user, token = User._meta, ApiToken._meta
    columns = ", ".join(f"u.{quote(user.get_field(name).column)}" for name in ("is_active", "is_superuser", "password"))
    return (
        f"SELECT {columns} FROM {quote(token.db_table)} t JOIN {quote(user.db_table)} u "
        f"ON u.{quote(user.pk.column)} = t.{quote(token.get_field('user').column)} "
        f"WHERE t.{quote(token.get_field('key_hash').column)} = %s"
    )


def _token_user_now(db: str, key_hash: str) -> tuple[bool, bool, str] | None:
    """(is_active, is_superuser, password) of the token's user as the database has them now;
    None for a token that does not exist (never issued, or revoked)."""
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(_token_user_statement(db), [key_hash])
        row = cursor.fetchone()
    return None if row is None else (bool(row[0]), bool(row[1]), row[2])


class ApiToken(models.Model):
    """A per-user API token. Only its hash is stored; the clear token is shown once.

    A token reads only unless issued with the write scope; it stops working when it expires, is
    revoked, or its user is deactivated or changes their password."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=5, choices=TokenScope.choices, default=TokenScope.READ)
    password_stamp = models.CharField(max_length=64, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenManager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @classmethod
    def issue(cls, user, name: str, valid_days: int = 365, scope: str = TokenScope.READ) -> tuple["ApiToken", str]:
        raw = "gx_" + secrets.token_urlsafe(32)
        expires_at = timezone.now() + timedelta(days=valid_days)
        token = cls.objects.create(
            user=user, name=name, prefix=raw[:8], key_hash=_hash_token(raw), expires_at=expires_at, scope=scope,
            password_stamp=_password_stamp(user),
        )
        return token, raw


class DomainEvent(models.Model):
    """A change others react to (the outbox): written in the same transaction as the change, so
    an event exists exactly when its change committed, and handed to every interested consumer
    at least once by the worker (core.outbox)."""

    name = models.CharField(_("event"), max_length=80, db_index=True)  # "customers.customer.created"
    object_type = models.ForeignKey("contenttypes.ContentType", null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=40, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=10, blank=True)
    occurred_at = models.DateTimeField(_("occurred"), default=timezone.now)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # after a failure: not before this
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        indexes = [models.Index(fields=["id"], condition=models.Q(handled_at__isnull=True), name="outbox_pending")]

    def __str__(self):
        return f"{self.name} #{self.object_id}"


class EventReceipt(models.Model):
    """A consumer has handled an event. Written in the consumer's own transaction, together with
    its effect: a redelivered event is skipped by every consumer that already handled it."""

    event = models.ForeignKey(DomainEvent, on_delete=models.CASCADE, related_name="receipts")
    consumer = models.CharField(max_length=100)
    handled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "consumer"], name="one_receipt_per_consumer")]


class Notification(models.Model):
    """Something a user should know of (a customer assigned to the user's dealer …): made by event
    consumers, one per event and user, shown only to that user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    event = models.ForeignKey(DomainEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="one_notification_per_event_and_user")]


@receiver([post_save, post_delete], sender=Membership)
def _membership_changed(sender, instance, **kwargs):
    forget_grants([instance.user_id])


@receiver(m2m_changed, sender=Group.permissions.through)
def _role_permissions_changed(sender, instance, action, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    groups = [instance.pk] if isinstance(instance, Group) else list(pk_set or ())
    forget_grants(Membership.objects.filter(role_id__in=groups).values_list("user_id", flat=True).distinct())


@receiver(post_delete, sender=OrgUnit)
@receiver(post_save, sender=OrgUnit)
def _org_tree_changed(sender, instance, **kwargs):
    """A unit moved: the paths in the cached rows of everyone below it are stale."""
    forget_grants(Membership.objects.filter(org_unit__path__startswith=instance.path).values_list("user_id", flat=True))


class Export(models.Model):
    """A list exported to a file in the background (one too large to send while the user waits),
    with its progress; only the user who asked reads it."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="exports")
    list_key = models.CharField(max_length=40)  # the registered export (core.registry)
    params = models.JSONField(default=dict, blank=True)  # the list's filters when it was asked for
    file_format = models.CharField(max_length=4)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_written = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(100 * self.rows_written / self.rows_total) if self.rows_total else 0

    @property
    def file_path(self):
        from pathlib import Path

        return Path(settings.DATA_DIR) / "exports" / f"export-{self.pk}.{self.file_format}"


@receiver(post_delete, sender=Export)
def _delete_export_file(sender, instance, **kwargs):
    """An export's file goes with its row (expiry, or the user deleted)."""
    instance.file_path.unlink(missing_ok=True)


class CalendarDay(models.Model):
    """A day China's public calendar moves: a public holiday (closed on a usual working day) or a
    make-up working day (调休: open on a usual day off). Every working-hours clock observes them
    (core.calendar); the State Council publishes next year's around November, and head office's
    administrators enter it here, or a local day off."""

    date = models.DateField(_("date"), unique=True, validators=[V.NotLaterThanYears(3)])
    working = models.BooleanField(
        _("make-up working day"), default=False,
        help_text=_("Ticked: a working day on a usual day off (调休). Unticked: a public holiday."),
    )
    name = models.CharField(_("name"), max_length=100, validators=V.NAME)
    name_en = models.CharField(_("English name"), max_length=100, blank=True, validators=[V.printable_line])

    class Meta:
        ordering = ["date"]
        verbose_name = _("public calendar day")
        verbose_name_plural = _("public calendar days")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"
