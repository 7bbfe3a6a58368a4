from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.format_enum import FormatEnum

if TYPE_CHECKING:
    from ..models.placement_output import PlacementOutput
    from ..models.version_output import VersionOutput


T = TypeVar("T", bound="DocumentDetail")


@_attrs_define
class DocumentDetail:
    """
    Attributes:
        id (UUID):
        name (str):
        format_ (FormatEnum): * `pdf` - PDF
            * `ofd` - OFD
        created_at (datetime.datetime):
        current_version (VersionOutput):
        versions (list[VersionOutput]):
        placements (list[PlacementOutput]):
    """

    id: UUID
    name: str
    format_: FormatEnum
    created_at: datetime.datetime
    current_version: VersionOutput
    versions: list[VersionOutput]
    placements: list[PlacementOutput]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        format_ = self.format_.value

        created_at = self.created_at.isoformat()

        current_version = self.current_version.to_dict()

        versions = []
        for versions_item_data in self.versions:
            versions_item = versions_item_data.to_dict()
            versions.append(versions_item)

        placements = []
        for placements_item_data in self.placements:
            placements_item = placements_item_data.to_dict()
            placements.append(placements_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "format": format_,
                "created_at": created_at,
                "current_version": current_version,
                "versions": versions,
                "placements": placements,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.placement_output import PlacementOutput  # noqa: PLC0415
        from ..models.version_output import VersionOutput  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        format_ = FormatEnum(d.pop("format"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        current_version = VersionOutput.from_dict(d.pop("current_version"))

        versions = []
        _versions = d.pop("versions")
        for versions_item_data in _versions:
            versions_item = VersionOutput.from_dict(versions_item_data)

            versions.append(versions_item)

        placements = []
        _placements = d.pop("placements")
        for placements_item_data in _placements:
            placements_item = PlacementOutput.from_dict(placements_item_data)

            placements.append(placements_item)

        document_detail = cls(
            id=id,
            name=name,
            format_=format_,
            created_at=created_at,
            current_version=current_version,
            versions=versions,
            placements=placements,
        )

        document_detail.additional_properties = d
        return document_detail

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
