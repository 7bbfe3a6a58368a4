from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="EnvelopeOutput")


@_attrs_define
class EnvelopeOutput:
    """
    Attributes:
        id (UUID):
        name (str):
        status (str):
        document_id (UUID):
        message (str):
        created_at (datetime.datetime):
        sent_at (datetime.datetime | None):
        expires_at (datetime.datetime | None):
        finished_at (datetime.datetime | None):
        reminder_interval_days (int | None):
        send_final_to_all (bool):
        problem (str):
    """

    id: UUID
    name: str
    status: str
    document_id: UUID
    message: str
    created_at: datetime.datetime
    sent_at: datetime.datetime | None
    expires_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    reminder_interval_days: int | None
    send_final_to_all: bool
    problem: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        status = self.status

        document_id = str(self.document_id)

        message = self.message

        created_at = self.created_at.isoformat()

        sent_at: None | str
        if isinstance(self.sent_at, datetime.datetime):
            sent_at = self.sent_at.isoformat()
        else:
            sent_at = self.sent_at

        expires_at: None | str
        if isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        reminder_interval_days: int | None
        reminder_interval_days = self.reminder_interval_days

        send_final_to_all = self.send_final_to_all

        problem = self.problem

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "status": status,
                "document_id": document_id,
                "message": message,
                "created_at": created_at,
                "sent_at": sent_at,
                "expires_at": expires_at,
                "finished_at": finished_at,
                "reminder_interval_days": reminder_interval_days,
                "send_final_to_all": send_final_to_all,
                "problem": problem,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        status = d.pop("status")

        document_id = UUID(d.pop("document_id"))

        message = d.pop("message")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_sent_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                sent_at_type_0 = datetime.datetime.fromisoformat(data)

                return sent_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        sent_at = _parse_sent_at(d.pop("sent_at"))

        def _parse_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        expires_at = _parse_expires_at(d.pop("expires_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        def _parse_reminder_interval_days(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        reminder_interval_days = _parse_reminder_interval_days(d.pop("reminder_interval_days"))

        send_final_to_all = d.pop("send_final_to_all")

        problem = d.pop("problem")

        envelope_output = cls(
            id=id,
            name=name,
            status=status,
            document_id=document_id,
            message=message,
            created_at=created_at,
            sent_at=sent_at,
            expires_at=expires_at,
            finished_at=finished_at,
            reminder_interval_days=reminder_interval_days,
            send_final_to_all=send_final_to_all,
            problem=problem,
        )

        envelope_output.additional_properties = d
        return envelope_output

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
