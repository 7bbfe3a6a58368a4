from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="SealUseRequestInputRequest")


@_attrs_define
class SealUseRequestInputRequest:
    """
    Attributes:
        document_id (UUID):
        seal_id (UUID):
        reason (str):
    """

    document_id: UUID
    seal_id: UUID
    reason: str

    def to_dict(self) -> dict[str, Any]:
        document_id = str(self.document_id)

        seal_id = str(self.seal_id)

        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "document_id": document_id,
                "seal_id": seal_id,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        document_id = UUID(d.pop("document_id"))

        seal_id = UUID(d.pop("seal_id"))

        reason = d.pop("reason")

        seal_use_request_input_request = cls(
            document_id=document_id,
            seal_id=seal_id,
            reason=reason,
        )

        return seal_use_request_input_request
