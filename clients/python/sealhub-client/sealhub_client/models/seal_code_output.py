from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SealCodeOutput")


@_attrs_define
class SealCodeOutput:
    """
    Attributes:
        sent_to (str): The address the code went to, masked
        valid_for_seconds (int):
    """

    sent_to: str
    valid_for_seconds: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sent_to = self.sent_to

        valid_for_seconds = self.valid_for_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "sent_to": sent_to,
                "valid_for_seconds": valid_for_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sent_to = d.pop("sent_to")

        valid_for_seconds = d.pop("valid_for_seconds")

        seal_code_output = cls(
            sent_to=sent_to,
            valid_for_seconds=valid_for_seconds,
        )

        seal_code_output.additional_properties = d
        return seal_code_output

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
