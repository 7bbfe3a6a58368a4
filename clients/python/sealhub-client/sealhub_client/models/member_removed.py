from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.authority_effects import AuthorityEffects


T = TypeVar("T", bound="MemberRemoved")


@_attrs_define
class MemberRemoved:
    """
    Attributes:
        authority_effects (AuthorityEffects): What stops or shrinks with a demoted or removed member's authority.
    """

    authority_effects: AuthorityEffects
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        authority_effects = self.authority_effects.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "authority_effects": authority_effects,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.authority_effects import AuthorityEffects  # noqa: PLC0415

        d = dict(src_dict)
        authority_effects = AuthorityEffects.from_dict(d.pop("authority_effects"))

        member_removed = cls(
            authority_effects=authority_effects,
        )

        member_removed.additional_properties = d
        return member_removed

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
