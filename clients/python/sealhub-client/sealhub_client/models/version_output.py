from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.format_enum import FormatEnum

if TYPE_CHECKING:
    from ..models.active_content_output import ActiveContentOutput
    from ..models.prepared_field_output import PreparedFieldOutput


T = TypeVar("T", bound="VersionOutput")


@_attrs_define
class VersionOutput:
    """
    Attributes:
        number (int):
        kind (str):
        format_ (FormatEnum): * `pdf` - PDF
            * `ofd` - OFD
        sha256 (str):
        size (int):
        page_count (int):
        signature_count (int):
        prepared_fields (list[PreparedFieldOutput] | None): A document certified by its author to allow signing: the
            empty signature fields the author prepared, the only places a seal may go (a placement on one is fitted into
            it); null: anywhere
        active_content (ActiveContentOutput | None): Active content found at upload; null for versions stored before the
            check
        created_at (datetime.datetime):
    """

    number: int
    kind: str
    format_: FormatEnum
    sha256: str
    size: int
    page_count: int
    signature_count: int
    prepared_fields: list[PreparedFieldOutput] | None
    active_content: ActiveContentOutput | None
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.active_content_output import ActiveContentOutput  # noqa: PLC0415

        number = self.number

        kind = self.kind

        format_ = self.format_.value

        sha256 = self.sha256

        size = self.size

        page_count = self.page_count

        signature_count = self.signature_count

        prepared_fields: list[dict[str, Any]] | None
        if isinstance(self.prepared_fields, list):
            prepared_fields = []
            for prepared_fields_type_0_item_data in self.prepared_fields:
                prepared_fields_type_0_item = prepared_fields_type_0_item_data.to_dict()
                prepared_fields.append(prepared_fields_type_0_item)

        else:
            prepared_fields = self.prepared_fields

        active_content: dict[str, Any] | None
        if isinstance(self.active_content, ActiveContentOutput):
            active_content = self.active_content.to_dict()
        else:
            active_content = self.active_content

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "number": number,
                "kind": kind,
                "format": format_,
                "sha256": sha256,
                "size": size,
                "page_count": page_count,
                "signature_count": signature_count,
                "prepared_fields": prepared_fields,
                "active_content": active_content,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.active_content_output import ActiveContentOutput  # noqa: PLC0415
        from ..models.prepared_field_output import PreparedFieldOutput  # noqa: PLC0415

        d = dict(src_dict)
        number = d.pop("number")

        kind = d.pop("kind")

        format_ = FormatEnum(d.pop("format"))

        sha256 = d.pop("sha256")

        size = d.pop("size")

        page_count = d.pop("page_count")

        signature_count = d.pop("signature_count")

        def _parse_prepared_fields(data: object) -> list[PreparedFieldOutput] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                prepared_fields_type_0 = []
                _prepared_fields_type_0 = data
                for prepared_fields_type_0_item_data in _prepared_fields_type_0:
                    prepared_fields_type_0_item = PreparedFieldOutput.from_dict(prepared_fields_type_0_item_data)

                    prepared_fields_type_0.append(prepared_fields_type_0_item)

                return prepared_fields_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[PreparedFieldOutput] | None, data)

        prepared_fields = _parse_prepared_fields(d.pop("prepared_fields"))

        def _parse_active_content(data: object) -> ActiveContentOutput | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                active_content_type_1 = ActiveContentOutput.from_dict(data)

                return active_content_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ActiveContentOutput | None, data)

        active_content = _parse_active_content(d.pop("active_content"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        version_output = cls(
            number=number,
            kind=kind,
            format_=format_,
            sha256=sha256,
            size=size,
            page_count=page_count,
            signature_count=signature_count,
            prepared_fields=prepared_fields,
            active_content=active_content,
            created_at=created_at,
        )

        version_output.additional_properties = d
        return version_output

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
