"""Assemblies, their members, staff and rooms."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Assembly(models.Model):
    class Kind(models.TextChoices):
        COMMUNE = "commune", _("Municipal council")
        EPCI = "epci", _("Intercommunal council")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    population = models.PositiveIntegerField(_("population"))
    regime_code = models.CharField(_("regime"), max_length=40, default="cgct-2026")
    address = models.CharField(_("seat address"), max_length=300, blank=True)
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        blank=True,
        validators=[RegexValidator(r"^\d{14}$", _("A SIRET is 14 digits."))],
    )
    website = models.URLField(_("public website"), blank=True)
    # Where the public writes, e.g. to ask for an accessible version of a replay (R34).
    contact_email = models.EmailField(_("public contact e-mail"), blank=True)

    class Meta:
        verbose_name = _("assembly")
        verbose_name_plural = _("assemblies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_epci(self) -> bool:
        return self.kind == self.Kind.EPCI


class MemberCommune(models.Model):
    """A commune belonging to an EPCI (its population sets the notice period)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="communes")
    name = models.CharField(_("name"), max_length=200)
    population = models.PositiveIntegerField(_("population"))

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "name"], name="unique_member_commune")
        ]

    def __str__(self) -> str:
        return self.name


class CommuneCouncillor(models.Model):
    """R32: a municipal councillor of an EPCI's member commune who does not sit in the
    EPCI's council; sent a copy of the convocation, the list of deliberations and the
    minutes (L5211-40-2 CGCT)."""

    commune = models.ForeignKey(
        MemberCommune,
        on_delete=models.CASCADE,
        related_name="councillors",
        verbose_name=_("commune"),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    active = models.BooleanField(_("in office"), default=True)

    class Meta:
        verbose_name = _("municipal councillor of a member commune")
        verbose_name_plural = _("municipal councillors of the member communes")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Room(models.Model):
    class Kind(models.TextChoices):
        CHAMBER = "chamber", _("Council chamber")
        REMOTE = "remote", _("Designated remote room")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """An elected member of an assembly, with a mandate."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("Mayor / president")
        DEPUTY = "deputy", _("Deputy")
        COUNCILLOR = "councillor", _("Councillor")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="members")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birthdate = models.DateField(_("birthdate"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.COUNCILLOR)
    commune = models.ForeignKey(
        MemberCommune, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    email = models.EmailField(_("e-mail"), blank=True)
    mandate_start = models.DateField(_("mandate start"))
    mandate_end = models.DateField(_("mandate end"), null=True, blank=True)
    wants_paper = models.BooleanField(_("asked for paper convocations"), default=False)
    postal_address = models.CharField(_("postal address"), max_length=300, blank=True)
    seat = models.CharField(
        _("seat in the chamber"),
        max_length=20,
        blank=True,
        help_text=_("The seat number the cameras' presets frame."),
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mandate_end__isnull=True)
                | models.Q(mandate_end__gte=models.F("mandate_start")),
                name="mandate_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def capacity(self) -> str:
        """The title signed under an act: mayor or president, deputy, councillor."""
        if self.role == self.Role.CHAIR:
            return str(_("President") if self.assembly.is_epci else _("Mayor"))
        if self.role == self.Role.DEPUTY:
            return str(_("Vice-president") if self.assembly.is_epci else _("Deputy mayor"))
        return str(
            _("Community councillor") if self.assembly.is_epci else _("Municipal councillor")
        )

    def in_office_on(self, day: datetime.date) -> bool:
        return self.mandate_start <= day and (self.mandate_end is None or day <= self.mandate_end)


class StaffRole(models.Model):
    """A non-member's role in an assembly's administration (never votes)."""

    class Role(models.TextChoices):
        CLERK = "clerk", _("Clerk")
        SECRETARY = "secretary", _("Secretary (agent)")
        TECHNICIAN = "technician", _("Technician")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "assembly", "role"], name="unique_staff_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @staticmethod
    def account_name(role: str) -> str:
        """The name of a service's shared account, in the council's language
        ("Secrétariat des assemblées", "Technicien (régie)"), never its code."""
        with translation.override(settings.LANGUAGE_CODE):
            return str(StaffRole.Role(role).label)
