from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.envelope_party_input_request import EnvelopePartyInputRequest


T = TypeVar("T", bound="EnvelopeInputRequest")


@_attrs_define
class EnvelopeInputRequest:
    """
    Attributes:
        document_id (UUID):
        name (str | Unset):
        message (str | Unset):
        expires_at (datetime.datetime | Unset): Default: 30 days after sending
        reminder_interval_days (int | Unset):
        send_final_to_all (bool | Unset):  Default: True.
        parties (list[EnvelopePartyInputRequest] | Unset):
        send (bool | Unset): Send at once Default: False.
    """

    document_id: UUID
    name: str | Unset = UNSET
    message: str | Unset = UNSET
    expires_at: datetime.datetime | Unset = UNSET
    reminder_interval_days: int | Unset = UNSET
    send_final_to_all: bool | Unset = True
    parties: list[EnvelopePartyInputRequest] | Unset = UNSET
    send: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        document_id = str(self.document_id)

        name = self.name

        message = self.message

        expires_at: str | Unset = UNSET
        if not isinstance(self.expires_at, Unset):
            expires_at = self.expires_at.isoformat()

        reminder_interval_days = self.reminder_interval_days

        send_final_to_all = self.send_final_to_all

        parties: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.parties, Unset):
            parties = []
            for parties_item_data in self.parties:
                parties_item = parties_item_data.to_dict()
                parties.append(parties_item)

        send = self.send

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "document_id": document_id,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if message is not UNSET:
            field_dict["message"] = message
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if reminder_interval_days is not UNSET:
            field_dict["reminder_interval_days"] = reminder_interval_days
        if send_final_to_all is not UNSET:
            field_dict["send_final_to_all"] = send_final_to_all
        if parties is not UNSET:
            field_dict["parties"] = parties
        if send is not UNSET:
            field_dict["send"] = send

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope_party_input_request import EnvelopePartyInputRequest  # noqa: PLC0415

        d = dict(src_dict)
        document_id = UUID(d.pop("document_id"))

        name = d.pop("name", UNSET)

        message = d.pop("message", UNSET)

        _expires_at = d.pop("expires_at", UNSET)
        expires_at: datetime.datetime | Unset
        if isinstance(_expires_at, Unset):
            expires_at = UNSET
        else:
            expires_at = datetime.datetime.fromisoformat(_expires_at)

        reminder_interval_days = d.pop("reminder_interval_days", UNSET)

        send_final_to_all = d.pop("send_final_to_all", UNSET)

        _parties = d.pop("parties", UNSET)
        parties: list[EnvelopePartyInputRequest] | Unset = UNSET
        if _parties is not UNSET:
            parties = []
            for parties_item_data in _parties:
                parties_item = EnvelopePartyInputRequest.from_dict(parties_item_data)

                parties.append(parties_item)

        send = d.pop("send", UNSET)

        envelope_input_request = cls(
            document_id=document_id,
            name=name,
            message=message,
            expires_at=expires_at,
            reminder_interval_days=reminder_interval_days,
            send_final_to_all=send_final_to_all,
            parties=parties,
            send=send,
        )

        return envelope_input_request
