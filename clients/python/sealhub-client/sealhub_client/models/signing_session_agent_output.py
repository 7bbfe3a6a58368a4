from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.signing_session_agent_output_seal import SigningSessionAgentOutputSeal


T = TypeVar("T", bound="SigningSessionAgentOutput")


@_attrs_define
class SigningSessionAgentOutput:
    """
    Attributes:
        id (UUID):
        status (str):
        step (int): 0-based index of the placement being signed
        steps (int):
        error (str):
        expires_at (datetime.datetime):
        version (int | None):
        document_name (str):
        document_sha256 (str): The version being sealed
        requester (str):
        seal (SigningSessionAgentOutputSeal):
        digest_algorithm (str):
        document_digest (str): SHA-256 over the signed byte range (hex)
        signed_attributes (str): DER of the CMS signed attributes (base64)
        signed_attributes_sha256 (str): What the token signs (hex)
    """

    id: UUID
    status: str
    step: int
    steps: int
    error: str
    expires_at: datetime.datetime
    version: int | None
    document_name: str
    document_sha256: str
    requester: str
    seal: SigningSessionAgentOutputSeal
    digest_algorithm: str
    document_digest: str
    signed_attributes: str
    signed_attributes_sha256: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        status = self.status

        step = self.step

        steps = self.steps

        error = self.error

        expires_at = self.expires_at.isoformat()

        version: int | None
        version = self.version

        document_name = self.document_name

        document_sha256 = self.document_sha256

        requester = self.requester

        seal = self.seal.to_dict()

        digest_algorithm = self.digest_algorithm

        document_digest = self.document_digest

        signed_attributes = self.signed_attributes

        signed_attributes_sha256 = self.signed_attributes_sha256

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "step": step,
                "steps": steps,
                "error": error,
                "expires_at": expires_at,
                "version": version,
                "document_name": document_name,
                "document_sha256": document_sha256,
                "requester": requester,
                "seal": seal,
                "digest_algorithm": digest_algorithm,
                "document_digest": document_digest,
                "signed_attributes": signed_attributes,
                "signed_attributes_sha256": signed_attributes_sha256,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.signing_session_agent_output_seal import SigningSessionAgentOutputSeal  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        status = d.pop("status")

        step = d.pop("step")

        steps = d.pop("steps")

        error = d.pop("error")

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        def _parse_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        version = _parse_version(d.pop("version"))

        document_name = d.pop("document_name")

        document_sha256 = d.pop("document_sha256")

        requester = d.pop("requester")

        seal = SigningSessionAgentOutputSeal.from_dict(d.pop("seal"))

        digest_algorithm = d.pop("digest_algorithm")

        document_digest = d.pop("document_digest")

        signed_attributes = d.pop("signed_attributes")

        signed_attributes_sha256 = d.pop("signed_attributes_sha256")

        signing_session_agent_output = cls(
            id=id,
            status=status,
            step=step,
            steps=steps,
            error=error,
            expires_at=expires_at,
            version=version,
            document_name=document_name,
            document_sha256=document_sha256,
            requester=requester,
            seal=seal,
            digest_algorithm=digest_algorithm,
            document_digest=document_digest,
            signed_attributes=signed_attributes,
            signed_attributes_sha256=signed_attributes_sha256,
        )

        signing_session_agent_output.additional_properties = d
        return signing_session_agent_output

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
