"""Forms of the clerk's pages. They parse and label input; every rule is a service's."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from council.errors import DomainError
from council.models import Assembly, Member, Room
from council.regime import PARIS, regime_for

from .models import AgendaItem, Document, Sitting, actes
from .selectors import members_in_office

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class ParisDateTimeField(forms.DateTimeField):
    """An HTML datetime-local value, read and shown as a wall-clock time in Paris."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)

    def to_python(self, value: Any) -> datetime.datetime | None:
        with timezone.override(PARIS):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        with timezone.override(PARIS):
            return super().prepare_value(value)


class DomainErrorsForm(forms.Form):
    """A form that can show a service's refusal next to the field it concerns."""

    # Error code -> field name; a code not listed becomes an error of the whole form.
    error_fields: dict[str, str] = {}

    def choices_of(self, name: str) -> forms.ModelChoiceField[Any]:
        return cast("forms.ModelChoiceField[Any]", self.fields[name])

    def add_domain_error(self, err: DomainError) -> None:
        name = self.error_fields.get(err.code)
        field = name if name in self.fields else None
        self.add_error(field, ValidationError(err.message, code=err.code))


class SittingForm(DomainErrorsForm):
    error_fields = {
        "urgency_reason_missing": "urgency_reason",
        "teleconference_not_allowed": "remote_rooms",
        "wrong_room": "place",
    }

    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = ParisDateTimeField(
        label=_("Date and time"), help_text=_("Local time in Paris (Europe/Paris).")
    )
    place = forms.ModelChoiceField(label=_("Place"), queryset=Room.objects.none(), empty_label=None)
    remote_rooms = forms.ModelMultipleChoiceField(
        label=_("Designated remote rooms (teleconference, article L5211-11-1 CGCT)"),
        queryset=Room.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    urgency = forms.BooleanField(label=_("Urgency (notice down to one clear day)"), required=False)
    urgency_reason = forms.CharField(
        label=_("Reason for the urgency"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    first_after_renewal = forms.BooleanField(
        label=_("First sitting after a general renewal"), required=False
    )

    def __init__(self, *args: Any, assembly: Assembly, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices_of("place").queryset = assembly.rooms.filter(kind=Room.Kind.CHAMBER)
        if regime_for(assembly).allows_teleconference(assembly):
            self.choices_of("remote_rooms").queryset = assembly.rooms.filter(kind=Room.Kind.REMOTE)
        else:
            del self.fields["remote_rooms"]

    @staticmethod
    def initial_for(sitting: Sitting) -> dict[str, Any]:
        return {
            "title": sitting.title,
            "starts_at": sitting.starts_at,
            "place": sitting.place_id,
            "remote_rooms": list(sitting.remote_rooms.values_list("pk", flat=True)),
            "urgency": sitting.urgency,
            "urgency_reason": sitting.urgency_reason,
            "first_after_renewal": sitting.first_after_renewal,
        }

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["remote_rooms"] = list(data.get("remote_rooms") or [])
        return data


class ItemForm(DomainErrorsForm):
    error_fields = {
        "title_missing": "title",
        "invalid_kind": "kind",
        "not_in_office": "rapporteur",
        "invalid_matter": "matter",
    }

    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=AgendaItem.Kind.choices)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    rapporteur = forms.ModelChoiceField(
        label=_("Rapporteur"), queryset=Member.objects.none(), required=False
    )
    urgent = forms.BooleanField(label=_("Added under urgency"), required=False)
    matter = forms.ChoiceField(
        label=_("Matter (ACTES nomenclature)"),
        choices=[("", "—"), *actes.CHOICES],
        required=False,
        help_text=_(
            "Needed before the item is put to the vote: the deliberation is sent "
            "to the prefecture with it."
        ),
    )

    def __init__(self, *args: Any, sitting: Sitting, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_item_%s")
        super().__init__(*args, **kwargs)
        self.choices_of("rapporteur").queryset = members_in_office(sitting)


class DocumentForm(DomainErrorsForm):
    error_fields = {"upload_refused": "file", "invalid_kind": "kind"}

    kind = forms.ChoiceField(label=_("Kind of document"), choices=Document.Kind.choices)
    title = forms.CharField(label=_("Title of the document"), max_length=200, required=False)
    file = forms.FileField(
        label=_("PDF file"),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args: Any, item: AgendaItem, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_doc{item.pk}_%s")
        super().__init__(*args, **kwargs)
        self.item = item


class ConvocationForm(DomainErrorsForm):
    """R1: the chair convenes, or a recorded replacement with a reason."""

    error_fields = {
        "replacement_reason_missing": "replacement_reason",
        "not_in_office": "convened_by",
    }

    convened_by = forms.ModelChoiceField(
        label=_("Convened by a replacement (leave empty if the chair convenes)"),
        queryset=Member.objects.none(),
        required=False,
    )
    replacement_reason = forms.CharField(
        label=_("Reason for the replacement"), max_length=300, required=False
    )

    def __init__(self, *args: Any, sitting: Sitting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.choices_of("convened_by")
        field.queryset = members_in_office(sitting).exclude(pk=sitting.chair_id or 0)
        field.empty_label = _("— the chair —")
