"""Loaded by every Python process of the notebook tests (PYTHONPATH): refuse network access.

With MTL_OFFLINE=1, any socket connection or name lookup outside this machine raises, so a
chapter that tried to download something fails its test instead of passing on a networked box.
"""

import os
import socket

if os.environ.get("MTL_OFFLINE") == "1":
    _LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "", None}
    _real_connect = socket.socket.connect
    _real_getaddrinfo = socket.getaddrinfo

    def _is_local(address) -> bool:
        if isinstance(address, (str, bytes)):  # a Unix socket path
            return True
        host = address[0] if isinstance(address, tuple) and address else address
        return host in _LOCAL_NAMES or str(host).startswith("127.")

    def _guarded_connect(self, address):
        if self.family == getattr(socket, "AF_UNIX", None) or _is_local(address):
            return _real_connect(self, address)
        raise OSError(f"network access refused in the offline test run: {address!r}")

    def _guarded_getaddrinfo(host, *args, **kwargs):
        if host in _LOCAL_NAMES or str(host).startswith("127."):
            return _real_getaddrinfo(host, *args, **kwargs)
        raise OSError(f"name lookup refused in the offline test run: {host!r}")

    socket.socket.connect = _guarded_connect
    socket.getaddrinfo = _guarded_getaddrinfo
