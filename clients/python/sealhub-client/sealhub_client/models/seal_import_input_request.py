from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define

from .. import types
from ..models.seal_type_enum import SealTypeEnum
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="SealImportInputRequest")


@_attrs_define
class SealImportInputRequest:
    """
    Attributes:
        pkcs12_file (File):
        seal_type (SealTypeEnum): * `official` - 公章
            * `contract` - 合同专用章
            * `finance` - 财务专用章
            * `invoice` - 发票专用章
            * `legal_representative` - 法定代表人名章
        seal_password (str):
        pkcs12_password (str | Unset):  Default: ''.
    """

    pkcs12_file: File
    seal_type: SealTypeEnum
    seal_password: str
    pkcs12_password: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        pkcs12_file = self.pkcs12_file.to_tuple()

        seal_type = self.seal_type.value

        seal_password = self.seal_password

        pkcs12_password = self.pkcs12_password

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "pkcs12_file": pkcs12_file,
                "seal_type": seal_type,
                "seal_password": seal_password,
            }
        )
        if pkcs12_password is not UNSET:
            field_dict["pkcs12_password"] = pkcs12_password

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("pkcs12_file", self.pkcs12_file.to_tuple()))

        files.append(("seal_type", (None, str(self.seal_type.value).encode(), "text/plain")))

        files.append(("seal_password", (None, str(self.seal_password).encode(), "text/plain")))

        if not isinstance(self.pkcs12_password, Unset):
            files.append(("pkcs12_password", (None, str(self.pkcs12_password).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        pkcs12_file = File(payload=BytesIO(d.pop("pkcs12_file")))

        seal_type = SealTypeEnum(d.pop("seal_type"))

        seal_password = d.pop("seal_password")

        pkcs12_password = d.pop("pkcs12_password", UNSET)

        seal_import_input_request = cls(
            pkcs12_file=pkcs12_file,
            seal_type=seal_type,
            seal_password=seal_password,
            pkcs12_password=pkcs12_password,
        )

        return seal_import_input_request
