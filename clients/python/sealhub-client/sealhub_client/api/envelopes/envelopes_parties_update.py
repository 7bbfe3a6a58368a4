from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.envelope_party_output import EnvelopePartyOutput
from ...models.error import Error
from ...models.party_email_input_request import PartyEmailInputRequest
from ...types import Response


def _get_kwargs(
    envelope_id: UUID,
    party_id: UUID,
    *,
    body: PartyEmailInputRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/api/v1/envelopes/{envelope_id}/parties/{party_id}/".format(
            envelope_id=quote(str(envelope_id), safe=""),
            party_id=quote(str(party_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EnvelopePartyOutput | Error | None:
    if response.status_code == 200:
        response_200 = EnvelopePartyOutput.from_dict(response.json())

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
    party_id: UUID,
    *,
    client: AuthenticatedClient,
    body: PartyEmailInputRequest,
) -> Response[EnvelopePartyOutput | Error]:
    """Correct a party's email before they act (a new link is sent)

    Args:
        envelope_id (UUID):
        party_id (UUID):
        body (PartyEmailInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EnvelopePartyOutput | Error]
    """

    kwargs = _get_kwargs(
        envelope_id=envelope_id,
        party_id=party_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    envelope_id: UUID,
    party_id: UUID,
    *,
    client: AuthenticatedClient,
    body: PartyEmailInputRequest,
) -> EnvelopePartyOutput | Error | None:
    """Correct a party's email before they act (a new link is sent)

    Args:
        envelope_id (UUID):
        party_id (UUID):
        body (PartyEmailInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EnvelopePartyOutput | Error
    """

    return sync_detailed(
        envelope_id=envelope_id,
        party_id=party_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    envelope_id: UUID,
    party_id: UUID,
    *,
    client: AuthenticatedClient,
    body: PartyEmailInputRequest,
) -> Response[EnvelopePartyOutput | Error]:
    """Correct a party's email before they act (a new link is sent)

    Args:
        envelope_id (UUID):
        party_id (UUID):
        body (PartyEmailInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EnvelopePartyOutput | Error]
    """

    kwargs = _get_kwargs(
        envelope_id=envelope_id,
        party_id=party_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    envelope_id: UUID,
    party_id: UUID,
    *,
    client: AuthenticatedClient,
    body: PartyEmailInputRequest,
) -> EnvelopePartyOutput | Error | None:
    """Correct a party's email before they act (a new link is sent)

    Args:
        envelope_id (UUID):
        party_id (UUID):
        body (PartyEmailInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EnvelopePartyOutput | Error
    """

    return (
        await asyncio_detailed(
            envelope_id=envelope_id,
            party_id=party_id,
            client=client,
            body=body,
        )
    ).parsed
