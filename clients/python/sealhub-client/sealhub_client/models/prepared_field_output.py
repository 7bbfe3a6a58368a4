from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PreparedFieldOutput")


@_attrs_define
class PreparedFieldOutput:
    """
    Attributes:
        name (str):
        page (int): 0-based page index
        left (float): PDF user space, points
        bottom (float):
        right (float):
        top (float):
    """

    name: str
    page: int
    left: float
    bottom: float
    right: float
    top: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        page = self.page

        left = self.left

        bottom = self.bottom

        right = self.right

        top = self.top

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "page": page,
                "left": left,
                "bottom": bottom,
                "right": right,
                "top": top,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        page = d.pop("page")

        left = d.pop("left")

        bottom = d.pop("bottom")

        right = d.pop("right")

        top = d.pop("top")

        prepared_field_output = cls(
            name=name,
            page=page,
            left=left,
            bottom=bottom,
            right=right,
            top=top,
        )

        prepared_field_output.additional_properties = d
        return prepared_field_output

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
