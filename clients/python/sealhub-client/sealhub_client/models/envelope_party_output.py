from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.envelope_field import EnvelopeField


T = TypeVar("T", bound="EnvelopePartyOutput")


@_attrs_define
class EnvelopePartyOutput:
    """
    Attributes:
        id (UUID):
        order (int):
        kind (str):
        name (str):
        email (str):
        company_id (None | UUID):
        status (str):
        notified_at (datetime.datetime | None):
        viewed_at (datetime.datetime | None):
        acted_at (datetime.datetime | None):
        decline_reason (str):
        fields (list[EnvelopeField]):
    """

    id: UUID
    order: int
    kind: str
    name: str
    email: str
    company_id: None | UUID
    status: str
    notified_at: datetime.datetime | None
    viewed_at: datetime.datetime | None
    acted_at: datetime.datetime | None
    decline_reason: str
    fields: list[EnvelopeField]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        order = self.order

        kind = self.kind

        name = self.name

        email = self.email

        company_id: None | str
        if isinstance(self.company_id, UUID):
            company_id = str(self.company_id)
        else:
            company_id = self.company_id

        status = self.status

        notified_at: None | str
        if isinstance(self.notified_at, datetime.datetime):
            notified_at = self.notified_at.isoformat()
        else:
            notified_at = self.notified_at

        viewed_at: None | str
        if isinstance(self.viewed_at, datetime.datetime):
            viewed_at = self.viewed_at.isoformat()
        else:
            viewed_at = self.viewed_at

        acted_at: None | str
        if isinstance(self.acted_at, datetime.datetime):
            acted_at = self.acted_at.isoformat()
        else:
            acted_at = self.acted_at

        decline_reason = self.decline_reason

        fields = []
        for fields_item_data in self.fields:
            fields_item = fields_item_data.to_dict()
            fields.append(fields_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "order": order,
                "kind": kind,
                "name": name,
                "email": email,
                "company_id": company_id,
                "status": status,
                "notified_at": notified_at,
                "viewed_at": viewed_at,
                "acted_at": acted_at,
                "decline_reason": decline_reason,
                "fields": fields,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope_field import EnvelopeField  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        order = d.pop("order")

        kind = d.pop("kind")

        name = d.pop("name")

        email = d.pop("email")

        def _parse_company_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                company_id_type_0 = UUID(data)

                return company_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        company_id = _parse_company_id(d.pop("company_id"))

        status = d.pop("status")

        def _parse_notified_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                notified_at_type_0 = datetime.datetime.fromisoformat(data)

                return notified_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        notified_at = _parse_notified_at(d.pop("notified_at"))

        def _parse_viewed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                viewed_at_type_0 = datetime.datetime.fromisoformat(data)

                return viewed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        viewed_at = _parse_viewed_at(d.pop("viewed_at"))

        def _parse_acted_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                acted_at_type_0 = datetime.datetime.fromisoformat(data)

                return acted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        acted_at = _parse_acted_at(d.pop("acted_at"))

        decline_reason = d.pop("decline_reason")

        fields = []
        _fields = d.pop("fields")
        for fields_item_data in _fields:
            fields_item = EnvelopeField.from_dict(fields_item_data)

            fields.append(fields_item)

        envelope_party_output = cls(
            id=id,
            order=order,
            kind=kind,
            name=name,
            email=email,
            company_id=company_id,
            status=status,
            notified_at=notified_at,
            viewed_at=viewed_at,
            acted_at=acted_at,
            decline_reason=decline_reason,
            fields=fields,
        )

        envelope_party_output.additional_properties = d
        return envelope_party_output

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
