from http import HTTPStatus
from io import BytesIO
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.inbox_document_file import InboxDocumentFile
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    route_id: UUID,
    *,
    file: InboxDocumentFile | Unset = UNSET,
) -> dict[str, Any]:
    params: dict[str, Any] = {}

    json_file: str | Unset = UNSET
    if not isinstance(file, Unset):
        json_file = file.value

    params["file"] = json_file

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/inbox/{route_id}/document/".format(
            route_id=quote(str(route_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | File | None:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | File]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    route_id: UUID,
    *,
    client: AuthenticatedClient,
    file: InboxDocumentFile | Unset = UNSET,
) -> Response[Error | File]:
    """The PDF (or OFD file) as this envelope made it, while it is open (then 404: the signed PDF and the
    certificate are in the company's documents)

    Args:
        route_id (UUID):
        file (InboxDocumentFile | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | File]
    """

    kwargs = _get_kwargs(
        route_id=route_id,
        file=file,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    route_id: UUID,
    *,
    client: AuthenticatedClient,
    file: InboxDocumentFile | Unset = UNSET,
) -> Error | File | None:
    """The PDF (or OFD file) as this envelope made it, while it is open (then 404: the signed PDF and the
    certificate are in the company's documents)

    Args:
        route_id (UUID):
        file (InboxDocumentFile | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | File
    """

    return sync_detailed(
        route_id=route_id,
        client=client,
        file=file,
    ).parsed


async def asyncio_detailed(
    route_id: UUID,
    *,
    client: AuthenticatedClient,
    file: InboxDocumentFile | Unset = UNSET,
) -> Response[Error | File]:
    """The PDF (or OFD file) as this envelope made it, while it is open (then 404: the signed PDF and the
    certificate are in the company's documents)

    Args:
        route_id (UUID):
        file (InboxDocumentFile | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | File]
    """

    kwargs = _get_kwargs(
        route_id=route_id,
        file=file,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    route_id: UUID,
    *,
    client: AuthenticatedClient,
    file: InboxDocumentFile | Unset = UNSET,
) -> Error | File | None:
    """The PDF (or OFD file) as this envelope made it, while it is open (then 404: the signed PDF and the
    certificate are in the company's documents)

    Args:
        route_id (UUID):
        file (InboxDocumentFile | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | File
    """

    return (
        await asyncio_detailed(
            route_id=route_id,
            client=client,
            file=file,
        )
    ).parsed
