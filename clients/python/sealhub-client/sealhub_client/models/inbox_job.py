from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InboxJob")


@_attrs_define
class InboxJob:
    """
    Attributes:
        id (UUID): The sealing job: poll `/inbox/{route_id}/jobs/{id}/`
        status (str):
        status_label (str): The status in the request's language
        error (str): Why the job failed (empty otherwise)
    """

    id: UUID
    status: str
    status_label: str
    error: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        status = self.status

        status_label = self.status_label

        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "status_label": status_label,
                "error": error,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        status = d.pop("status")

        status_label = d.pop("status_label")

        error = d.pop("error")

        inbox_job = cls(
            id=id,
            status=status,
            status_label=status_label,
            error=error,
        )

        inbox_job.additional_properties = d
        return inbox_job

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
