"""Publishing the built files to a web host, then telling WebSub hubs.

- ``settings``: the ``[upload]`` table, checked when the config is read;
- ``publish``: what to send and in which order (``upload_outputs``), via a manifest;
- ``base``: the one interface a target implements; ``file``, ``sftp``, ``webdav``: targets;
- ``retry``: bounded retries with backoff; ``websub``: the hub pings.

This package's ``__init__`` imports nothing, so reading the config (which needs only
``settings``) never pays for the rest.
"""
