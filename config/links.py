"""Every link that leaves Sealhub in a mail is made here, from PLATFORM_URL: the address
people reach the platform at (`make run` sets it to the port it serves; production sets it
to the public https address). A company's link keeps PLATFORM_URL's scheme and port and
takes the company's own host. Links never come from the request that happened to send the
mail: a reviewer's or a worker's address is not the recipient's."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings


def _with_path(origin: str, path: str, query: dict | None) -> str:
    link = f"{origin}/{path.lstrip('/')}"
    return f"{link}?{urlencode(query)}" if query else link


def platform_link(path: str = "/", query: dict | None = None) -> str:
    """`path` on the platform host, e.g. platform_link("/sign/abc/")."""
    platform = urlsplit(settings.PLATFORM_URL)
    return _with_path(f"{platform.scheme}://{platform.netloc}", path, query)


def host_link(host: str, path: str = "/", query: dict | None = None) -> str:
    """`path` on another host of the platform (a company's `<slug>.<BASE_DOMAIN>`), with
    PLATFORM_URL's scheme and port."""
    platform = urlsplit(settings.PLATFORM_URL)
    port = f":{platform.port}" if platform.port else ""
    return _with_path(f"{platform.scheme}://{host}{port}", path, query)
