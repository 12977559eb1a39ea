"""HTTP for WebSub hubs and CDN purges: no credential ever leaves with a request.

requests looks up ``~/.netrc`` (or ``$NETRC``) for every request and every redirect
when ``trust_env`` is on, and a netrc ``machine`` line names a host, not a port: the
WebDAV login for ``dav.example.org`` went to a hub on ``dav.example.org:8080`` and on
to wherever that hub redirected. So these sessions turn ``trust_env`` off, carry no
``auth``, and take user info out of the URL; the two things ``trust_env`` also gave
that are not secrets, the proxy variables (with ``no_proxy``) and a CA bundle named
by ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``, are passed explicitly instead. A purge
token is added by the caller, as a header, only when the config names its variable,
and purge requests never follow redirects.
"""

from __future__ import annotations

import os

import requests
from requests.utils import get_environ_proxies

from feedpub.upload.settings import redact_url

USER_AGENT = "feedpub"


def anonymous_session(purpose: str) -> requests.Session:
    """A session that sends no credential: no netrc, no auth, no environment auth."""
    session = requests.Session()
    session.trust_env = False
    session.auth = None
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    session.headers["User-Agent"] = f"{USER_AGENT} ({purpose})"
    return session


def plain_url(url: str) -> str:
    """The URL without ``user:password@`` (requests would turn it into Basic auth)."""
    return redact_url(url)


def proxies_for(url: str) -> dict[str, str]:
    """The environment's proxies for ``url`` (``no_proxy`` honoured), as trust_env would give."""
    return dict(get_environ_proxies(url))
