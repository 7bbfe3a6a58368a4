from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define

from .. import types
from ..models.key_algorithm_enum import KeyAlgorithmEnum
from ..models.seal_type_enum import SealTypeEnum
from ..types import UNSET, File, FileTypes, Unset

T = TypeVar("T", bound="SealApplicationInputRequest")


@_attrs_define
class SealApplicationInputRequest:
    """
    Attributes:
        seal_type (SealTypeEnum): * `official` - 公章
            * `contract` - 合同专用章
            * `finance` - 财务专用章
            * `invoice` - 发票专用章
            * `legal_representative` - 法定代表人名章
        seal_name (str):
        seal_password (str):
        business_licence (File):
        key_algorithm (KeyAlgorithmEnum | Unset): * `ec-p256` - ec-p256
            * `rsa-2048` - rsa-2048 Default: KeyAlgorithmEnum.EC_P256.
        authorisation_letter (File | Unset):
    """

    seal_type: SealTypeEnum
    seal_name: str
    seal_password: str
    business_licence: File
    key_algorithm: KeyAlgorithmEnum | Unset = KeyAlgorithmEnum.EC_P256
    authorisation_letter: File | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        seal_type = self.seal_type.value

        seal_name = self.seal_name

        seal_password = self.seal_password

        business_licence = self.business_licence.to_tuple()

        key_algorithm: str | Unset = UNSET
        if not isinstance(self.key_algorithm, Unset):
            key_algorithm = self.key_algorithm.value

        authorisation_letter: FileTypes | Unset = UNSET
        if not isinstance(self.authorisation_letter, Unset):
            authorisation_letter = self.authorisation_letter.to_tuple()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "seal_type": seal_type,
                "seal_name": seal_name,
                "seal_password": seal_password,
                "business_licence": business_licence,
            }
        )
        if key_algorithm is not UNSET:
            field_dict["key_algorithm"] = key_algorithm
        if authorisation_letter is not UNSET:
            field_dict["authorisation_letter"] = authorisation_letter

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("seal_type", (None, str(self.seal_type.value).encode(), "text/plain")))

        files.append(("seal_name", (None, str(self.seal_name).encode(), "text/plain")))

        files.append(("seal_password", (None, str(self.seal_password).encode(), "text/plain")))

        files.append(("business_licence", self.business_licence.to_tuple()))

        if not isinstance(self.key_algorithm, Unset):
            files.append(("key_algorithm", (None, str(self.key_algorithm.value).encode(), "text/plain")))

        if not isinstance(self.authorisation_letter, Unset):
            files.append(("authorisation_letter", self.authorisation_letter.to_tuple()))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        seal_type = SealTypeEnum(d.pop("seal_type"))

        seal_name = d.pop("seal_name")

        seal_password = d.pop("seal_password")

        business_licence = File(payload=BytesIO(d.pop("business_licence")))

        _key_algorithm = d.pop("key_algorithm", UNSET)
        key_algorithm: KeyAlgorithmEnum | Unset
        if isinstance(_key_algorithm, Unset):
            key_algorithm = UNSET
        else:
            key_algorithm = KeyAlgorithmEnum(_key_algorithm)

        _authorisation_letter = d.pop("authorisation_letter", UNSET)
        authorisation_letter: File | Unset
        if isinstance(_authorisation_letter, Unset):
            authorisation_letter = UNSET
        else:
            authorisation_letter = File(payload=BytesIO(_authorisation_letter))

        seal_application_input_request = cls(
            seal_type=seal_type,
            seal_name=seal_name,
            seal_password=seal_password,
            business_licence=business_licence,
            key_algorithm=key_algorithm,
            authorisation_letter=authorisation_letter,
        )

        return seal_application_input_request
