from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.envelope_party_input_kind_enum import EnvelopePartyInputKindEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.envelope_field_request import EnvelopeFieldRequest


T = TypeVar("T", bound="EnvelopePartyInputRequest")


@_attrs_define
class EnvelopePartyInputRequest:
    """
    Attributes:
        kind (EnvelopePartyInputKindEnum): * `company` - 企业（盖章）
            * `person` - 个人（签名）
            * `approver` - 审批人（仅审批）
            * `copy` - 抄送（接收结果）
        email (str):
        order (int | Unset): Equal numbers act in parallel
        name (str | Unset):
        uscc (str | Unset): For company parties
        id_number (str | Unset): Optional: a person must enter it to sign
        fields (list[EnvelopeFieldRequest] | Unset):
    """

    kind: EnvelopePartyInputKindEnum
    email: str
    order: int | Unset = UNSET
    name: str | Unset = UNSET
    uscc: str | Unset = UNSET
    id_number: str | Unset = UNSET
    fields: list[EnvelopeFieldRequest] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        email = self.email

        order = self.order

        name = self.name

        uscc = self.uscc

        id_number = self.id_number

        fields: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.fields, Unset):
            fields = []
            for fields_item_data in self.fields:
                fields_item = fields_item_data.to_dict()
                fields.append(fields_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "kind": kind,
                "email": email,
            }
        )
        if order is not UNSET:
            field_dict["order"] = order
        if name is not UNSET:
            field_dict["name"] = name
        if uscc is not UNSET:
            field_dict["uscc"] = uscc
        if id_number is not UNSET:
            field_dict["id_number"] = id_number
        if fields is not UNSET:
            field_dict["fields"] = fields

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope_field_request import EnvelopeFieldRequest  # noqa: PLC0415

        d = dict(src_dict)
        kind = EnvelopePartyInputKindEnum(d.pop("kind"))

        email = d.pop("email")

        order = d.pop("order", UNSET)

        name = d.pop("name", UNSET)

        uscc = d.pop("uscc", UNSET)

        id_number = d.pop("id_number", UNSET)

        _fields = d.pop("fields", UNSET)
        fields: list[EnvelopeFieldRequest] | Unset = UNSET
        if _fields is not UNSET:
            fields = []
            for fields_item_data in _fields:
                fields_item = EnvelopeFieldRequest.from_dict(fields_item_data)

                fields.append(fields_item)

        envelope_party_input_request = cls(
            kind=kind,
            email=email,
            order=order,
            name=name,
            uscc=uscc,
            id_number=id_number,
            fields=fields,
        )

        return envelope_party_input_request
