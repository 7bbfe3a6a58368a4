from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.format_enum import FormatEnum

if TYPE_CHECKING:
    from ..models.version_output import VersionOutput


T = TypeVar("T", bound="DocumentOutput")


@_attrs_define
class DocumentOutput:
    """
    Attributes:
        id (UUID):
        name (str):
        format_ (FormatEnum): * `pdf` - PDF
            * `ofd` - OFD
        created_at (datetime.datetime):
        current_version (VersionOutput):
    """

    id: UUID
    name: str
    format_: FormatEnum
    created_at: datetime.datetime
    current_version: VersionOutput
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        format_ = self.format_.value

        created_at = self.created_at.isoformat()

        current_version = self.current_version.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "format": format_,
                "created_at": created_at,
                "current_version": current_version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.version_output import VersionOutput  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        format_ = FormatEnum(d.pop("format"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        current_version = VersionOutput.from_dict(d.pop("current_version"))

        document_output = cls(
            id=id,
            name=name,
            format_=format_,
            created_at=created_at,
            current_version=current_version,
        )

        document_output.additional_properties = d
        return document_output

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
