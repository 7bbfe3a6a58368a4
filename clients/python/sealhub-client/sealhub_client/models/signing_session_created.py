from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SigningSessionCreated")


@_attrs_define
class SigningSessionCreated:
    """
    Attributes:
        id (UUID):
        status (str):
        step (int): 0-based index of the placement being signed
        steps (int):
        error (str):
        expires_at (datetime.datetime):
        version (int | None):
        agent_url (str):
        token (str): One-time token for the agent; shown only now
        agent_command (str):
    """

    id: UUID
    status: str
    step: int
    steps: int
    error: str
    expires_at: datetime.datetime
    version: int | None
    agent_url: str
    token: str
    agent_command: str
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

        agent_url = self.agent_url

        token = self.token

        agent_command = self.agent_command

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
                "agent_url": agent_url,
                "token": token,
                "agent_command": agent_command,
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

        agent_url = d.pop("agent_url")

        token = d.pop("token")

        agent_command = d.pop("agent_command")

        signing_session_created = cls(
            id=id,
            status=status,
            step=step,
            steps=steps,
            error=error,
            expires_at=expires_at,
            version=version,
            agent_url=agent_url,
            token=token,
            agent_command=agent_command,
        )

        signing_session_created.additional_properties = d
        return signing_session_created

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
