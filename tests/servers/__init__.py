"""Real servers on 127.0.0.1 for the upload tests (WebDAV, sshd, a faulty TCP proxy).

Load the fixtures with `pytest_plugins = ["servers.plugin"]` in tests/conftest.py.
"""
