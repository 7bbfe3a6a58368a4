from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.evidence_package_output_status_enum import EvidencePackageOutputStatusEnum

T = TypeVar("T", bound="EvidencePackageOutput")


@_attrs_define
class EvidencePackageOutput:
    """
    Attributes:
        id (UUID):
        version (int): The document version it proves
        envelope_id (None | UUID): Set when the version completed an envelope
        status (EvidencePackageOutputStatusEnum): * `pending` - 正在生成
            * `ready` - 已生成
            * `failed` - 失败
        sha256 (str): SHA-256 of the ZIP; empty until ready
        error (str): Why the last attempt failed; empty otherwise
        created_at (datetime.datetime):
        ready_at (datetime.datetime | None):
    """

    id: UUID
    version: int
    envelope_id: None | UUID
    status: EvidencePackageOutputStatusEnum
    sha256: str
    error: str
    created_at: datetime.datetime
    ready_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        version = self.version

        envelope_id: None | str
        if isinstance(self.envelope_id, UUID):
            envelope_id = str(self.envelope_id)
        else:
            envelope_id = self.envelope_id

        status = self.status.value

        sha256 = self.sha256

        error = self.error

        created_at = self.created_at.isoformat()

        ready_at: None | str
        if isinstance(self.ready_at, datetime.datetime):
            ready_at = self.ready_at.isoformat()
        else:
            ready_at = self.ready_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "version": version,
                "envelope_id": envelope_id,
                "status": status,
                "sha256": sha256,
                "error": error,
                "created_at": created_at,
                "ready_at": ready_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        version = d.pop("version")

        def _parse_envelope_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                envelope_id_type_0 = UUID(data)

                return envelope_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        envelope_id = _parse_envelope_id(d.pop("envelope_id"))

        status = EvidencePackageOutputStatusEnum(d.pop("status"))

        sha256 = d.pop("sha256")

        error = d.pop("error")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_ready_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ready_at_type_0 = datetime.datetime.fromisoformat(data)

                return ready_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        ready_at = _parse_ready_at(d.pop("ready_at"))

        evidence_package_output = cls(
            id=id,
            version=version,
            envelope_id=envelope_id,
            status=status,
            sha256=sha256,
            error=error,
            created_at=created_at,
            ready_at=ready_at,
        )

        evidence_package_output.additional_properties = d
        return evidence_package_output

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
