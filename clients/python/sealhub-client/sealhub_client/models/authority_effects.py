from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.approval import Approval
    from ..models.invitation import Invitation
    from ..models.key import Key
    from ..models.reduced_key import ReducedKey
    from ..models.webhook import Webhook


T = TypeVar("T", bound="AuthorityEffects")


@_attrs_define
class AuthorityEffects:
    """What stops or shrinks with a demoted or removed member's authority.

    Attributes:
        api_keys_stopped (list[Key]): The member's keys that stop working
        api_keys_reduced (list[ReducedKey]): The member's keys that now act with the new role
        invitations_withdrawn (list[Invitation]):
        webhooks_paused (list[Webhook]):
        seal_use_approvals_void (list[Approval]):
    """

    api_keys_stopped: list[Key]
    api_keys_reduced: list[ReducedKey]
    invitations_withdrawn: list[Invitation]
    webhooks_paused: list[Webhook]
    seal_use_approvals_void: list[Approval]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        api_keys_stopped = []
        for api_keys_stopped_item_data in self.api_keys_stopped:
            api_keys_stopped_item = api_keys_stopped_item_data.to_dict()
            api_keys_stopped.append(api_keys_stopped_item)

        api_keys_reduced = []
        for api_keys_reduced_item_data in self.api_keys_reduced:
            api_keys_reduced_item = api_keys_reduced_item_data.to_dict()
            api_keys_reduced.append(api_keys_reduced_item)

        invitations_withdrawn = []
        for invitations_withdrawn_item_data in self.invitations_withdrawn:
            invitations_withdrawn_item = invitations_withdrawn_item_data.to_dict()
            invitations_withdrawn.append(invitations_withdrawn_item)

        webhooks_paused = []
        for webhooks_paused_item_data in self.webhooks_paused:
            webhooks_paused_item = webhooks_paused_item_data.to_dict()
            webhooks_paused.append(webhooks_paused_item)

        seal_use_approvals_void = []
        for seal_use_approvals_void_item_data in self.seal_use_approvals_void:
            seal_use_approvals_void_item = seal_use_approvals_void_item_data.to_dict()
            seal_use_approvals_void.append(seal_use_approvals_void_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "api_keys_stopped": api_keys_stopped,
                "api_keys_reduced": api_keys_reduced,
                "invitations_withdrawn": invitations_withdrawn,
                "webhooks_paused": webhooks_paused,
                "seal_use_approvals_void": seal_use_approvals_void,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.approval import Approval  # noqa: PLC0415
        from ..models.invitation import Invitation  # noqa: PLC0415
        from ..models.key import Key  # noqa: PLC0415
        from ..models.reduced_key import ReducedKey  # noqa: PLC0415
        from ..models.webhook import Webhook  # noqa: PLC0415

        d = dict(src_dict)
        api_keys_stopped = []
        _api_keys_stopped = d.pop("api_keys_stopped")
        for api_keys_stopped_item_data in _api_keys_stopped:
            api_keys_stopped_item = Key.from_dict(api_keys_stopped_item_data)

            api_keys_stopped.append(api_keys_stopped_item)

        api_keys_reduced = []
        _api_keys_reduced = d.pop("api_keys_reduced")
        for api_keys_reduced_item_data in _api_keys_reduced:
            api_keys_reduced_item = ReducedKey.from_dict(api_keys_reduced_item_data)

            api_keys_reduced.append(api_keys_reduced_item)

        invitations_withdrawn = []
        _invitations_withdrawn = d.pop("invitations_withdrawn")
        for invitations_withdrawn_item_data in _invitations_withdrawn:
            invitations_withdrawn_item = Invitation.from_dict(invitations_withdrawn_item_data)

            invitations_withdrawn.append(invitations_withdrawn_item)

        webhooks_paused = []
        _webhooks_paused = d.pop("webhooks_paused")
        for webhooks_paused_item_data in _webhooks_paused:
            webhooks_paused_item = Webhook.from_dict(webhooks_paused_item_data)

            webhooks_paused.append(webhooks_paused_item)

        seal_use_approvals_void = []
        _seal_use_approvals_void = d.pop("seal_use_approvals_void")
        for seal_use_approvals_void_item_data in _seal_use_approvals_void:
            seal_use_approvals_void_item = Approval.from_dict(seal_use_approvals_void_item_data)

            seal_use_approvals_void.append(seal_use_approvals_void_item)

        authority_effects = cls(
            api_keys_stopped=api_keys_stopped,
            api_keys_reduced=api_keys_reduced,
            invitations_withdrawn=invitations_withdrawn,
            webhooks_paused=webhooks_paused,
            seal_use_approvals_void=seal_use_approvals_void,
        )

        authority_effects.additional_properties = d
        return authority_effects

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
