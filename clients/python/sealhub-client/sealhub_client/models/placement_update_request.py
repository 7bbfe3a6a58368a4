from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="PlacementUpdateRequest")


@_attrs_define
class PlacementUpdateRequest:
    """
    Attributes:
        x (float):
        y (float):
        width (float): The height follows: the seal keeps its proportions
    """

    x: float
    y: float
    width: float

    def to_dict(self) -> dict[str, Any]:
        x = self.x

        y = self.y

        width = self.width

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "x": x,
                "y": y,
                "width": width,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        x = d.pop("x")

        y = d.pop("y")

        width = d.pop("width")

        placement_update_request = cls(
            x=x,
            y=y,
            width=width,
        )

        return placement_update_request
