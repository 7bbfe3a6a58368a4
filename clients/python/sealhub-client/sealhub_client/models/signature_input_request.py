from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="SignatureInputRequest")


@_attrs_define
class SignatureInputRequest:
    """
    Attributes:
        step (int):
        signed_attributes_sha256 (str):
        signature (str): base64 of the DER ECDSA or RSA signature
    """

    step: int
    signed_attributes_sha256: str
    signature: str

    def to_dict(self) -> dict[str, Any]:
        step = self.step

        signed_attributes_sha256 = self.signed_attributes_sha256

        signature = self.signature

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "step": step,
                "signed_attributes_sha256": signed_attributes_sha256,
                "signature": signature,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        step = d.pop("step")

        signed_attributes_sha256 = d.pop("signed_attributes_sha256")

        signature = d.pop("signature")

        signature_input_request = cls(
            step=step,
            signed_attributes_sha256=signed_attributes_sha256,
            signature=signature,
        )

        return signature_input_request
