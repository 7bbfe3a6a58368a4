from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SigningSessionOutput")


@_attrs_define
class SigningSessionOutput:
    """
    Attributes:
        id (UUID):
        status (str):
        step (int): 0-based index of the placement being signed
        steps (int):
        error (str):
        expires_at (datetime.datetime):
        version (int | None):
    """

    id: UUID
    status: str
    step: int
    steps: int
    error: str
    expires_at: datetime.datetime
    version: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        status = self.status

        step = self.step

        steps = self.steps

        error = self.error

        expires_at = self.expires_at.isoformat()

        version: int | None
        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "step": step,
                "steps": steps,
                "error": error,
                "expires_at": expires_at,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        status = d.pop("status")

        step = d.pop("step")

        steps = d.pop("steps")

        error = d.pop("error")

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        def _parse_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        version = _parse_version(d.pop("version"))

        signing_session_output = cls(
            id=id,
            status=status,
            step=step,
            steps=steps,
            error=error,
            expires_at=expires_at,
            version=version,
        )

        signing_session_output.additional_properties = d
        return signing_session_output

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
