from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PlacementInputRequest")


@_attrs_define
class PlacementInputRequest:
    """
    Attributes:
        seal_id (UUID):
        text (str | Unset): Instead of page/x/y: centre the seal on every occurrence of this text
        occurrence (int | Unset): With `text`: only its nth occurrence in reading order (1 = first)
        offset_x (float | Unset): With `text`: move the seal right by this many points (left if <0) Default: 0.0.
        offset_y (float | Unset): With `text`: move the seal up by this many points (down if <0) Default: 0.0.
        cross_page (bool | Unset): A cross-page seal (骑缝章) over the right edges of all pages; optional y Default: False.
        page (int | Unset):
        x (float | Unset):
        y (float | Unset):
        width (float | Unset): Default: the seal's true size
        height (float | Unset):
    """

    seal_id: UUID
    text: str | Unset = UNSET
    occurrence: int | Unset = UNSET
    offset_x: float | Unset = 0.0
    offset_y: float | Unset = 0.0
    cross_page: bool | Unset = False
    page: int | Unset = UNSET
    x: float | Unset = UNSET
    y: float | Unset = UNSET
    width: float | Unset = UNSET
    height: float | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        seal_id = str(self.seal_id)

        text = self.text

        occurrence = self.occurrence

        offset_x = self.offset_x

        offset_y = self.offset_y

        cross_page = self.cross_page

        page = self.page

        x = self.x

        y = self.y

        width = self.width

        height = self.height

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "seal_id": seal_id,
            }
        )
        if text is not UNSET:
            field_dict["text"] = text
        if occurrence is not UNSET:
            field_dict["occurrence"] = occurrence
        if offset_x is not UNSET:
            field_dict["offset_x"] = offset_x
        if offset_y is not UNSET:
            field_dict["offset_y"] = offset_y
        if cross_page is not UNSET:
            field_dict["cross_page"] = cross_page
        if page is not UNSET:
            field_dict["page"] = page
        if x is not UNSET:
            field_dict["x"] = x
        if y is not UNSET:
            field_dict["y"] = y
        if width is not UNSET:
            field_dict["width"] = width
        if height is not UNSET:
            field_dict["height"] = height

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        seal_id = UUID(d.pop("seal_id"))

        text = d.pop("text", UNSET)

        occurrence = d.pop("occurrence", UNSET)

        offset_x = d.pop("offset_x", UNSET)

        offset_y = d.pop("offset_y", UNSET)

        cross_page = d.pop("cross_page", UNSET)

        page = d.pop("page", UNSET)

        x = d.pop("x", UNSET)

        y = d.pop("y", UNSET)

        width = d.pop("width", UNSET)

        height = d.pop("height", UNSET)

        placement_input_request = cls(
            seal_id=seal_id,
            text=text,
            occurrence=occurrence,
            offset_x=offset_x,
            offset_y=offset_y,
            cross_page=cross_page,
            page=page,
            x=x,
            y=y,
            width=width,
            height=height,
        )

        return placement_input_request
