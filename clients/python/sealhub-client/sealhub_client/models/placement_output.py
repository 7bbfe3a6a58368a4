from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.placement_output_kind_enum import PlacementOutputKindEnum

T = TypeVar("T", bound="PlacementOutput")


@_attrs_define
class PlacementOutput:
    """
    Attributes:
        id (UUID):
        kind (PlacementOutputKindEnum): * `single` - 单页
            * `cross_page` - 骑缝章（跨页）
        seal_id (UUID):
        page (int): 0-based page index
        x (float): PDF user space, points
        y (float):
        width (float):
        height (float):
        field_name (str): The author's prepared signature field the seal fills, or empty
    """

    id: UUID
    kind: PlacementOutputKindEnum
    seal_id: UUID
    page: int
    x: float
    y: float
    width: float
    height: float
    field_name: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        kind = self.kind.value

        seal_id = str(self.seal_id)

        page = self.page

        x = self.x

        y = self.y

        width = self.width

        height = self.height

        field_name = self.field_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "seal_id": seal_id,
                "page": page,
                "x": x,
                "y": y,
                "width": width,
                "height": height,
                "field_name": field_name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        kind = PlacementOutputKindEnum(d.pop("kind"))

        seal_id = UUID(d.pop("seal_id"))

        page = d.pop("page")

        x = d.pop("x")

        y = d.pop("y")

        width = d.pop("width")

        height = d.pop("height")

        field_name = d.pop("field_name")

        placement_output = cls(
            id=id,
            kind=kind,
            seal_id=seal_id,
            page=page,
            x=x,
            y=y,
            width=width,
            height=height,
            field_name=field_name,
        )

        placement_output.additional_properties = d
        return placement_output

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
