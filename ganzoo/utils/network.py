"""The one network probe: does a TCP connection to a host open in time?

Used before TF-Hub (`ganzoo.metrics.classifier`) and tfds (`ganzoo.data`)
try a download, so that an offline machine gets a clear error in seconds
instead of a hang.
"""

import socket
import threading

DEFAULT_TIMEOUT_S = 3.0


def reachable(host, port, timeout=DEFAULT_TIMEOUT_S):
    """Whether a TCP connection to ``host:port`` opens within ``timeout``
    seconds, DNS lookup included (done in a thread: it has no timeout)."""
    result = []

    def probe():
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])
