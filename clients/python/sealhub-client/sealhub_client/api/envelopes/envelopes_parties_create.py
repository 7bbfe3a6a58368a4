from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.envelope_party_input_request import EnvelopePartyInputRequest
from ...models.envelope_party_output import EnvelopePartyOutput
from ...models.error import Error
from ...types import Response


def _get_kwargs(
    envelope_id: UUID,
    *,
    body: EnvelopePartyInputRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/envelopes/{envelope_id}/parties/".format(
            envelope_id=quote(str(envelope_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EnvelopePartyOutput | Error | None:
    if response.status_code == 201:
        response_201 = EnvelopePartyOutput.from_dict(response.json())

        return response_201

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
) -> Response[EnvelopePartyOutput | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    envelope_id: UUID,
    *,
    client: AuthenticatedClient,
    body: EnvelopePartyInputRequest,
) -> Response[EnvelopePartyOutput | Error]:
    """Add a party and its fields to a draft

    Args:
        envelope_id (UUID):
        body (EnvelopePartyInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EnvelopePartyOutput | Error]
    """

    kwargs = _get_kwargs(
        envelope_id=envelope_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    envelope_id: UUID,
    *,
    client: AuthenticatedClient,
    body: EnvelopePartyInputRequest,
) -> EnvelopePartyOutput | Error | None:
    """Add a party and its fields to a draft

    Args:
        envelope_id (UUID):
        body (EnvelopePartyInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EnvelopePartyOutput | Error
    """

    return sync_detailed(
        envelope_id=envelope_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    envelope_id: UUID,
    *,
    client: AuthenticatedClient,
    body: EnvelopePartyInputRequest,
) -> Response[EnvelopePartyOutput | Error]:
    """Add a party and its fields to a draft

    Args:
        envelope_id (UUID):
        body (EnvelopePartyInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EnvelopePartyOutput | Error]
    """

    kwargs = _get_kwargs(
        envelope_id=envelope_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    envelope_id: UUID,
    *,
    client: AuthenticatedClient,
    body: EnvelopePartyInputRequest,
) -> EnvelopePartyOutput | Error | None:
    """Add a party and its fields to a draft

    Args:
        envelope_id (UUID):
        body (EnvelopePartyInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EnvelopePartyOutput | Error
    """

    return (
        await asyncio_detailed(
            envelope_id=envelope_id,
            client=client,
            body=body,
        )
    ).parsed
