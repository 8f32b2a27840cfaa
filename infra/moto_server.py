"""Runs moto server (the AWS emulator of the local stack) with one request at a time.

moto's own `moto_server` handles requests on parallel threads without isolating them:
a DynamoDB transaction that fails its condition restores a snapshot of the whole table
taken when it began, undoing writes that other requests committed meanwhile. DynamoDB
itself applies every request atomically. Serialising requests gives moto the same
guarantee, so concurrency tests see DynamoDB's behaviour, not moto's.

Usage: python infra/moto_server.py HOST PORT
"""

import os
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def one_at_a_time(environ, start_response):
        with lock:
            # Build the whole response inside the lock: moto's responses are small.
            return list(app(environ, start_response))

    run_simple(host, port, one_at_a_time, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
