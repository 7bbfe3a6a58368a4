from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InboxEntry")


@_attrs_define
class InboxEntry:
    """
    Attributes:
        id (UUID):
        envelope_name (str):
        owner_name (str):
        party_kind (str):
        status (str):
        updated_at (datetime.datetime):
        ended (bool): Ended envelopes answer 404; see your documents
    """

    id: UUID
    envelope_name: str
    owner_name: str
    party_kind: str
    status: str
    updated_at: datetime.datetime
    ended: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        envelope_name = self.envelope_name

        owner_name = self.owner_name

        party_kind = self.party_kind

        status = self.status

        updated_at = self.updated_at.isoformat()

        ended = self.ended

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "envelope_name": envelope_name,
                "owner_name": owner_name,
                "party_kind": party_kind,
                "status": status,
                "updated_at": updated_at,
                "ended": ended,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        envelope_name = d.pop("envelope_name")

        owner_name = d.pop("owner_name")

        party_kind = d.pop("party_kind")

        status = d.pop("status")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        ended = d.pop("ended")

        inbox_entry = cls(
            id=id,
            envelope_name=envelope_name,
            owner_name=owner_name,
            party_kind=party_kind,
            status=status,
            updated_at=updated_at,
            ended=ended,
        )

        inbox_entry.additional_properties = d
        return inbox_entry

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
