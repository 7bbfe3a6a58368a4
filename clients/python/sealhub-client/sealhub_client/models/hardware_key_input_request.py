from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define

from .. import types
from ..models.seal_type_enum import SealTypeEnum
from ..types import UNSET, File, FileTypes, Unset

T = TypeVar("T", bound="HardwareKeyInputRequest")


@_attrs_define
class HardwareKeyInputRequest:
    """
    Attributes:
        certificate_file (File): The U-key's signing certificate, PEM or DER
        seal_type (SealTypeEnum): * `official` - 公章
            * `contract` - 合同专用章
            * `finance` - 财务专用章
            * `invoice` - 发票专用章
            * `legal_representative` - 法定代表人名章
        chain_file (File | Unset): Its CA certificates, PEM
    """

    certificate_file: File
    seal_type: SealTypeEnum
    chain_file: File | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        certificate_file = self.certificate_file.to_tuple()

        seal_type = self.seal_type.value

        chain_file: FileTypes | Unset = UNSET
        if not isinstance(self.chain_file, Unset):
            chain_file = self.chain_file.to_tuple()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "certificate_file": certificate_file,
                "seal_type": seal_type,
            }
        )
        if chain_file is not UNSET:
            field_dict["chain_file"] = chain_file

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("certificate_file", self.certificate_file.to_tuple()))

        files.append(("seal_type", (None, str(self.seal_type.value).encode(), "text/plain")))

        if not isinstance(self.chain_file, Unset):
            files.append(("chain_file", self.chain_file.to_tuple()))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        certificate_file = File(payload=BytesIO(d.pop("certificate_file")))

        seal_type = SealTypeEnum(d.pop("seal_type"))

        _chain_file = d.pop("chain_file", UNSET)
        chain_file: File | Unset
        if isinstance(_chain_file, Unset):
            chain_file = UNSET
        else:
            chain_file = File(payload=BytesIO(_chain_file))

        hardware_key_input_request = cls(
            certificate_file=certificate_file,
            seal_type=seal_type,
            chain_file=chain_file,
        )

        return hardware_key_input_request
