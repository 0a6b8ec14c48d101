"""Dask clusters: a local one, or any running scheduler, checked before any work is sent.

:func:`dask_client` yields a ``dask.distributed`` client connected to

* a new ``LocalCluster`` of ``workers`` single-threaded worker processes (closed on exit), with
  its dashboard on a free port (``:0``), so a batch job never competes for the default port 8787
  with another cluster on the machine; or
* a running scheduler given by address (``tcp://host:port``; a dask-jobqueue or dask-gateway
  cluster's ``scheduler_address``) or by a cluster object with a ``scheduler_address``.

Bad arguments fail at once with a specific error: a worker count below 1, an address that is not
``protocol://host:port`` (:class:`~hepsurrogates.exceptions.InvalidArgumentError`), a scheduler
that does not answer within ``timeout`` seconds (:class:`~hepsurrogates.exceptions.ClusterError`).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from typing import Any

from hepsurrogates.exceptions import ClusterError, InvalidArgumentError

__all__ = ["dask_client", "check_workers", "check_scheduler_address", "CONNECT_TIMEOUT_S"]

#: seconds to wait for a scheduler to answer
CONNECT_TIMEOUT_S = 10.0
_ADDRESS = re.compile(r"^(tcp|tls|ucx|ws|wss|inproc)://[^\s/:]+(:\d{1,5})?$")


def check_workers(workers: Any) -> int:
    """``workers`` as a positive int.

    Raises:
        InvalidArgumentError: not an integer >= 1.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidArgumentError(f"workers: expected an integer >= 1, got {workers!r}")
    return workers


def check_scheduler_address(address: Any) -> str:
    """The scheduler address of a string or a cluster object.

    Raises:
        InvalidArgumentError: not ``protocol://host[:port]`` (e.g. ``tcp://dask-scheduler:8786``).
    """
    address = getattr(address, "scheduler_address", address)
    if not isinstance(address, str) or not _ADDRESS.match(address):
        raise InvalidArgumentError(f"scheduler: expected an address like tcp://host:8786 (or a cluster object), "
                                   f"got {address!r}")
    return address


@contextlib.contextmanager
def dask_client(scheduler: Any = None, workers: int | None = None, timeout: float = CONNECT_TIMEOUT_S) -> Iterator[Any]:
    """A distributed client (module docstring); closed, with its local cluster, on exit.

    Raises:
        InvalidArgumentError: bad worker count or address. ClusterError: no scheduler answers.
    """
    from dask.distributed import Client, LocalCluster

    if scheduler is not None and scheduler != "":
        address = check_scheduler_address(scheduler)
        try:
            client = Client(address, timeout=f"{timeout}s")
        except (OSError, TimeoutError) as err:
            raise ClusterError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                               f"({type(err).__name__}); is it running, and is the address right?") from None
        try:
            yield client
        finally:
            client.close()
        return
    n = check_workers(1 if workers is None else workers)
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        yield client
