from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define

from .. import types
from ..models.appearances_enum import AppearancesEnum
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="VerifyInputRequest")


@_attrs_define
class VerifyInputRequest:
    """
    Attributes:
        file (File):
        appearances (AppearancesEnum | Unset):  Default: AppearancesEnum.FALSE.
    """

    file: File
    appearances: AppearancesEnum | Unset = AppearancesEnum.FALSE

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        appearances: str | Unset = UNSET
        if not isinstance(self.appearances, Unset):
            appearances = self.appearances.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "file": file,
            }
        )
        if appearances is not UNSET:
            field_dict["appearances"] = appearances

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        if not isinstance(self.appearances, Unset):
            files.append(("appearances", (None, str(self.appearances.value).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        _appearances = d.pop("appearances", UNSET)
        appearances: AppearancesEnum | Unset
        if isinstance(_appearances, Unset):
            appearances = UNSET
        else:
            appearances = AppearancesEnum(_appearances)

        verify_input_request = cls(
            file=file,
            appearances=appearances,
        )

        return verify_input_request
