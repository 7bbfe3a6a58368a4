from http import HTTPStatus
from io import BytesIO
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.documents_page_preview_width import DocumentsPagePreviewWidth
from ...models.error import Error
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    document_id: UUID,
    number: int,
    page: int,
    *,
    width: DocumentsPagePreviewWidth | Unset = UNSET,
) -> dict[str, Any]:
    params: dict[str, Any] = {}

    json_width: int | Unset = UNSET
    if not isinstance(width, Unset):
        json_width = width.value

    params["width"] = json_width

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/documents/{document_id}/versions/{number}/pages/{page}/preview/".format(
            document_id=quote(str(document_id), safe=""),
            number=quote(str(number), safe=""),
            page=quote(str(page), safe=""),
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
    document_id: UUID,
    number: int,
    page: int,
    *,
    client: AuthenticatedClient,
    width: DocumentsPagePreviewWidth | Unset = UNSET,
) -> Response[Error | File]:
    """A page image (PNG) of a version

    Args:
        document_id (UUID):
        number (int):
        page (int):
        width (DocumentsPagePreviewWidth | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | File]
    """

    kwargs = _get_kwargs(
        document_id=document_id,
        number=number,
        page=page,
        width=width,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    document_id: UUID,
    number: int,
    page: int,
    *,
    client: AuthenticatedClient,
    width: DocumentsPagePreviewWidth | Unset = UNSET,
) -> Error | File | None:
    """A page image (PNG) of a version

    Args:
        document_id (UUID):
        number (int):
        page (int):
        width (DocumentsPagePreviewWidth | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | File
    """

    return sync_detailed(
        document_id=document_id,
        number=number,
        page=page,
        client=client,
        width=width,
    ).parsed


async def asyncio_detailed(
    document_id: UUID,
    number: int,
    page: int,
    *,
    client: AuthenticatedClient,
    width: DocumentsPagePreviewWidth | Unset = UNSET,
) -> Response[Error | File]:
    """A page image (PNG) of a version

    Args:
        document_id (UUID):
        number (int):
        page (int):
        width (DocumentsPagePreviewWidth | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | File]
    """

    kwargs = _get_kwargs(
        document_id=document_id,
        number=number,
        page=page,
        width=width,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    document_id: UUID,
    number: int,
    page: int,
    *,
    client: AuthenticatedClient,
    width: DocumentsPagePreviewWidth | Unset = UNSET,
) -> Error | File | None:
    """A page image (PNG) of a version

    Args:
        document_id (UUID):
        number (int):
        page (int):
        width (DocumentsPagePreviewWidth | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | File
    """

    return (
        await asyncio_detailed(
            document_id=document_id,
            number=number,
            page=page,
            client=client,
            width=width,
        )
    ).parsed
