"""s3://bucket/prefix/ target: any S3-compatible object store, through boto3.

This module is imported only when the config's target is ``s3://``, so boto3 and
botocore (about half a second to import) never load on the every-minute no-op path.

- **Atomic by nature.** One PUT replaces an object as a whole: a reader gets the old
  or the new bytes, never a mix, so no temporary key and no rename are needed. Every
  PUT carries ``Content-MD5``, so a store that received a damaged or cut body refuses
  it instead of keeping it.
- **Headers are stored.** Each object gets its ``Content-Type`` and ``Cache-Control``
  (``upload.headers``), and the store (and the CDN in front of it) serves them.
- **Credentials only from the standard chain**: ``AWS_ACCESS_KEY_ID`` /
  ``AWS_SECRET_ACCESS_KEY`` (and ``AWS_SESSION_TOKEN``), ``~/.aws/credentials`` and
  ``~/.aws/config`` with ``upload.profile`` or ``AWS_PROFILE``, then the machine's role
  where there is one. Nothing in feedpub.toml can hold a key.
- **Our retries, not botocore's.** botocore's own retries are off (one attempt per
  call), so throttling (503 SlowDown), timeouts and resets go through feedpub's
  bounded retries like every other target, and each call has a total deadline
  (botocore only bounds each connect and read).
- **No checksum headers by default.** Recent botocore adds CRC checksums to every PUT,
  which several S3-compatible stores refuse; they are asked for only when an operation
  requires one, and Content-MD5 (understood everywhere) protects the body instead.
- **A fresh machine does not re-send blindly.** With no manifest, ``holding`` lists the
  prefix (ListObjectsV2: a single-part PUT's ETag is the MD5 of its bytes) and checks
  the headers of each match with HEAD, so only what differs is sent.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Literal, TypeVar
from urllib.parse import urlsplit

import boto3
import botocore.exceptions as boto_errors
from botocore.config import Config

from feedpub.deadline import DeadlineExceeded, deadline
from feedpub.notices import Notice
from feedpub.upload.base import FileMeta, PermanentError, TransientError
from feedpub.upload.settings import UploadSettings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import (
        HeadObjectOutputTypeDef,
        ListObjectsV2OutputTypeDef,
        PutObjectRequestTypeDef,
    )

T = TypeVar("T")

# Error codes worth another try: throttling, a busy or failing store, a body damaged on the way.
TRANSIENT_CODES = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling",
                   "ThrottlingException", "TooManyRequests", "BadDigest", "OperationAborted"}
PERMANENT_HINTS = {
    "AccessDenied": "access denied: check what this key may do (its policy, the bucket policy)",
    "AllAccessDisabled": "access to this bucket is disabled",
    "NoSuchBucket": "the bucket does not exist: create it first, or check upload.endpoint_url",
    "InvalidAccessKeyId": "the store does not know this access key: check AWS_ACCESS_KEY_ID or the profile",
    "SignatureDoesNotMatch": "the secret key does not match: check AWS_SECRET_ACCESS_KEY or the profile",
    "PermanentRedirect": "the bucket is in another region: set upload.region",
    "AuthorizationHeaderMalformed": "the bucket is in another region: set upload.region",
    "IllegalLocationConstraintException": "the bucket is in another region: set upload.region",
    "RequestTimeTooSkewed": "this machine's clock is off by more than 15 minutes: fix it (NTP)",
    "InvalidBucketName": "the store refuses this bucket name",
}
NO_CREDENTIALS = ("no S3 credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
                  "name a profile of ~/.aws/credentials in upload.profile")


class S3Target:
    """One boto3 client, created on first use; every call bounded and classified."""

    def __init__(self, settings: UploadSettings):
        parts = urlsplit(settings.target)
        self.settings = settings
        self.display = settings.display_target
        self.bucket = parts.netloc
        prefix = parts.path.lstrip("/")
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.notices: list[Notice] = []
        self._client: S3Client | None = None

    def key(self, name: str) -> str:
        """The object key of a file of the feeds folder."""
        return self.prefix + name

    def put_atomic(self, name: str, data: bytes, meta: FileMeta) -> None:
        """One PUT with the bytes, their MD5 and both headers: readers see old or new, never a mix."""
        key = self.key(name)
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode("ascii")
        args: PutObjectRequestTypeDef = {
            "Bucket": self.bucket, "Key": key, "Body": data, "ContentMD5": md5,
            "ContentType": meta.content_type, "CacheControl": meta.cache_control,
        }
        if self.settings.acl is not None:  # else the bucket's policy decides (AWS: ACLs are off)
            args["ACL"] = "public-read" if self.settings.acl == "public-read" else "private"
        self._call(f"PUT {key}", lambda client: client.put_object(**args))

    def holding(self, files: dict[str, tuple[bytes, FileMeta]]) -> set[str]:
        """Names whose object has the same bytes (MD5 = single-part ETag) and the same headers."""
        etags = self._list_etags()
        held = set()
        for name, (data, meta) in files.items():
            if etags.get(self.key(name)) != hashlib.md5(data).hexdigest():
                continue
            key = self.key(name)
            head = self._call(f"HEAD {key}", partial(self._head, key=key))
            if (head.get("ContentType"), head.get("CacheControl")) == (meta.content_type,
                                                                       meta.cache_control):
                held.add(name)
        return held

    def _list_etags(self) -> dict[str, str]:
        """Key → ETag (quotes removed) of every object under the prefix, page by page."""
        etags: dict[str, str] = {}
        token = ""
        while True:
            page = self._call(f"LIST {self.prefix or '/'}", partial(self._list_page, token=token))
            for item in page.get("Contents", []):
                etags[item.get("Key", "")] = item.get("ETag", "").strip('"')
            token = page.get("NextContinuationToken", "")
            if not page.get("IsTruncated") or not token:
                return etags

    def _head(self, client: S3Client, *, key: str) -> HeadObjectOutputTypeDef:
        return client.head_object(Bucket=self.bucket, Key=key)

    def _list_page(self, client: S3Client, *, token: str) -> ListObjectsV2OutputTypeDef:
        if token:
            return client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, ContinuationToken=token)
        return client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix)

    def _call(self, what: str, call: Callable[[S3Client], T]) -> T:
        """Run one API call within the deadline; map every failure to Transient or Permanent."""
        try:
            with deadline(self.settings.deadline, what=what):
                return call(self._connect())
        except DeadlineExceeded:
            raise TransientError(f"{what}: no complete answer within {self.settings.deadline:g} s "
                                 "(upload.deadline)") from None
        except boto_errors.ClientError as exc:
            raise _client_error(what, exc) from None
        except (boto_errors.NoCredentialsError, boto_errors.PartialCredentialsError):
            raise PermanentError(NO_CREDENTIALS) from None
        except boto_errors.ProfileNotFound:
            raise PermanentError(f"profile {self.settings.profile!r} (upload.profile) is not in "
                                 "~/.aws/credentials or ~/.aws/config") from None
        except boto_errors.SSLError as exc:
            raise PermanentError(f"{what}: TLS error: {_first_line(exc)}") from None
        except (boto_errors.HTTPClientError, boto_errors.ConnectionError) as exc:
            raise TransientError(f"{what}: {_connection_cause(exc)}") from None
        except boto_errors.BotoCoreError as exc:
            raise PermanentError(f"{what}: {_first_line(exc)}") from None

    def _connect(self) -> S3Client:
        if self._client is None:
            settings = self.settings
            session = boto3.session.Session(profile_name=settings.profile)
            self._client = session.client(
                "s3",
                endpoint_url=settings.endpoint_url,
                region_name=settings.region,
                verify=str(settings.ca_bundle) if settings.ca_bundle else None,
                config=Config(
                    connect_timeout=settings.timeout,
                    read_timeout=settings.timeout,
                    retries={"total_max_attempts": 1},
                    s3={"addressing_style": _style(settings.addressing_style)},
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                    user_agent_extra="feedpub",
                ),
            )
        return self._client

    def close(self) -> None:
        """Close the client's pooled connections; safe to call more than once."""
        if self._client is not None:
            self._client.close()
            self._client = None


def _style(name: str) -> Literal["auto", "path", "virtual"]:
    """The addressing style, as the literal type botocore's config wants (settings checked it)."""
    return "path" if name == "path" else "virtual" if name == "virtual" else "auto"


def _client_error(what: str, exc: boto_errors.ClientError) -> Exception:
    """An error answer of the store: throttling and 5xx are worth a retry, the rest are not."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "")) or "error"
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    label = f"{code} (HTTP {status})" if status else code
    if code in TRANSIENT_CODES or status >= 500 or status == 429:
        return TransientError(f"{what}: {label}")
    hint = PERMANENT_HINTS.get(code) or _first_line_text(str(error.get("Message", ""))) or "refused"
    return PermanentError(f"{what}: {label}: {hint}")


def _connection_cause(exc: Exception) -> str:
    text = str(exc)
    for needle, cause in (("timeout", "timed out"), ("timed out", "timed out"),
                          ("Connection was closed", "connection closed by the store"),
                          ("reset", "connection reset"), ("refused", "connection refused"),
                          ("Could not connect", "cannot connect to the endpoint")):
        if needle in text:
            return cause
    return _first_line(exc)


def _first_line(exc: BaseException) -> str:
    return _first_line_text(str(exc)) or type(exc).__name__


def _first_line_text(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0][:200] if lines else ""


def open_target(settings: UploadSettings) -> S3Target:
    """Factory used by the registry in feedpub.upload.publish."""
    return S3Target(settings)
