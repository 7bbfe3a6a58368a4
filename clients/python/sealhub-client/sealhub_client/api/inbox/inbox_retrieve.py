from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.inbox_retrieve_response_200 import InboxRetrieveResponse200
from ...types import Response


def _get_kwargs(
    route_id: UUID,
) -> dict[str, Any]:
    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/inbox/{route_id}/".format(
            route_id=quote(str(route_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | InboxRetrieveResponse200 | None:
    if response.status_code == 200:
        response_200 = InboxRetrieveResponse200.from_dict(response.json())

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | InboxRetrieveResponse200]:
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
) -> Response[Error | InboxRetrieveResponse200]:
    """What this company is asked to do

    Args:
        route_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | InboxRetrieveResponse200]
    """

    kwargs = _get_kwargs(
        route_id=route_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    route_id: UUID,
    *,
    client: AuthenticatedClient,
) -> Error | InboxRetrieveResponse200 | None:
    """What this company is asked to do

    Args:
        route_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | InboxRetrieveResponse200
    """

    return sync_detailed(
        route_id=route_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    route_id: UUID,
    *,
    client: AuthenticatedClient,
) -> Response[Error | InboxRetrieveResponse200]:
    """What this company is asked to do

    Args:
        route_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | InboxRetrieveResponse200]
    """

    kwargs = _get_kwargs(
        route_id=route_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    route_id: UUID,
    *,
    client: AuthenticatedClient,
) -> Error | InboxRetrieveResponse200 | None:
    """What this company is asked to do

    Args:
        route_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | InboxRetrieveResponse200
    """

    return (
        await asyncio_detailed(
            route_id=route_id,
            client=client,
        )
    ).parsed
