from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.inbox_job_started import InboxJobStarted
from ...models.inbox_seal_input_request import InboxSealInputRequest
from ...types import Response


def _get_kwargs(
    route_id: UUID,
    *,
    body: InboxSealInputRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/inbox/{route_id}/seal/".format(
            route_id=quote(str(route_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | InboxJobStarted | None:
    if response.status_code == 202:
        response_202 = InboxJobStarted.from_dict(response.json())

        return response_202

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

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Error.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | InboxJobStarted]:
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
    body: InboxSealInputRequest,
) -> Response[Error | InboxJobStarted]:
    """Seal this company's fields (returns a job; poll it)

    Args:
        route_id (UUID):
        body (InboxSealInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | InboxJobStarted]
    """

    kwargs = _get_kwargs(
        route_id=route_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    route_id: UUID,
    *,
    client: AuthenticatedClient,
    body: InboxSealInputRequest,
) -> Error | InboxJobStarted | None:
    """Seal this company's fields (returns a job; poll it)

    Args:
        route_id (UUID):
        body (InboxSealInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | InboxJobStarted
    """

    return sync_detailed(
        route_id=route_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    route_id: UUID,
    *,
    client: AuthenticatedClient,
    body: InboxSealInputRequest,
) -> Response[Error | InboxJobStarted]:
    """Seal this company's fields (returns a job; poll it)

    Args:
        route_id (UUID):
        body (InboxSealInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | InboxJobStarted]
    """

    kwargs = _get_kwargs(
        route_id=route_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    route_id: UUID,
    *,
    client: AuthenticatedClient,
    body: InboxSealInputRequest,
) -> Error | InboxJobStarted | None:
    """Seal this company's fields (returns a job; poll it)

    Args:
        route_id (UUID):
        body (InboxSealInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | InboxJobStarted
    """

    return (
        await asyncio_detailed(
            route_id=route_id,
            client=client,
            body=body,
        )
    ).parsed
