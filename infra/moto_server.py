"""Runs moto server (the AWS emulator of the local stack) with one request at a time.

moto's own `moto_server` handles requests on parallel threads without isolating them:
a DynamoDB transaction that fails its condition restores a snapshot of the whole table
taken when it began, undoing writes that other requests committed meanwhile. DynamoDB
itself applies every request atomically. Serialising requests gives moto the same
guarantee, so concurrency tests see DynamoDB's behaviour, not moto's.

Two of moto's DynamoDB paths cost time in proportion to the whole table, where DynamoDB's
cost is in proportion to what the request touches; at the chaos run's and the load
command's sizes (hundreds of thousands of items) they, not the service, set the pace:
- a transaction deep-copies every table it names before it starts, to restore it on
  cancellation; here it saves only the items it names and restores those (the same
  all-or-nothing outcome, because requests are serialised);
- a query on the table's key walks every item of the table to find one partition's;
  here it reads that partition.
Both are patched below, and `tests/aws_faults.rs` checks that a cancelled transaction
still leaves nothing behind.

Usage: python infra/moto_server.py HOST PORT
"""

import copy
import os
import sys
import threading

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


class _KeepTables:
    """Stands in for the `copy` module inside moto's DynamoDB backend: a table is "copied"
    as itself (its named items are saved by `transact_write_items` below instead), any
    other value is deep-copied as before."""

    @staticmethod
    def deepcopy(value, memo=None):
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _item_key(table, op_type, op):
    attrs = op["Item"] if op_type == "Put" else op["Key"]
    hash_value = DynamoType(attrs[table.hash_key_attr])
    range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def _restore(table, hash_value, range_value, item):
    if range_value is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
    elif item is None:
        partition = table.items.get(hash_value)
        if partition is not None:
            partition.pop(range_value, None)
            if not partition:
                del table.items[hash_value]
    else:
        table.items[hash_value][range_value] = item


def _patch_transactions() -> None:
    original = dynamodb_models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        saved = []
        for entry in transact_items:
            try:
                op_type, op = next(iter(entry.items()))
                table = self.tables.get(op.get("TableName"))
                if table is None:
                    continue
                hash_value, range_value = _item_key(table, op_type, op)
            except (KeyError, StopIteration, AttributeError, TypeError, ValueError):
                continue  # moto itself answers the malformed entry with its error
            current = table.get_item(hash_value, range_value)
            saved.append((table, hash_value, range_value, copy.deepcopy(current)))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(saved):
                _restore(table, hash_value, range_value, item)
            raise

    dynamodb_models.copy = _KeepTables
    dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items


def _patch_queries() -> None:
    original = Table.query

    def query(self, hash_key, *args, **kwargs):
        # moto's backend passes the index name as the eighth positional argument.
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None:
            return original(self, hash_key, *args, **kwargs)
        partition = self.items.get(hash_key)
        if partition is None:
            rows = []
        elif self.range_key_attr:
            rows = list(partition.values())
        else:
            rows = [partition]
        self.all_items = lambda: rows
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query


class KeepAliveHandler(MotoRequestHandler):
    """Keeps a client's connection open between requests (HTTP/1.1), as AWS endpoints do,
    instead of werkzeug's default of one connection, and one thread, per request."""

    protocol_version = "HTTP/1.1"


def main() -> None:
    _patch_transactions()
    _patch_queries()
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def one_at_a_time(environ, start_response):
        with lock:
            # Build the whole response inside the lock: moto's responses are small.
            return list(app(environ, start_response))

    run_simple(host, port, one_at_a_time, threaded=True, request_handler=KeepAliveHandler)


if __name__ == "__main__":
    main()
