"""Where runs execute: serially, on a local process pool, or on a Dask cluster.

All executors have one verb, :meth:`Executor.map_unordered`: apply a picklable function to
each item and yield ``(index, result)`` pairs as they finish, with at most a few items per
worker in flight, so that memory stays flat however many items there are. Results do not
depend on the executor: every item carries its own seeds.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol

from changesim.registry import install_registrations, user_registrations

#: Items in flight per worker: enough to keep workers busy, few enough to keep memory flat.
IN_FLIGHT_PER_WORKER = 2


class Executor(Protocol):
    """Runs items of work; see the module docstring."""

    workers: int

    def map_unordered(
        self, function: Callable[[Any], Any], items: Iterable[Any]
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(position in items, function(item))`` as each finishes."""
        ...

    def close(self) -> None:
        """Release the workers."""
        ...


class SerialExecutor:
    """Everything in this process, in order (for debugging and tiny sweeps)."""

    workers = 1

    def map_unordered(
        self, function: Callable[[Any], Any], items: Iterable[Any]
    ) -> Iterator[tuple[int, Any]]:
        for index, item in enumerate(items):
            yield index, function(item)

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class WithRegistrations:
    """``function`` called in a worker after the caller's own implementations (rules,
    networks, routes, interventions registered there) are registered in the worker too.

    A Dask worker, or a local worker started by ``spawn`` (the default on macOS and Windows), is a
    fresh process: it has changesim's built-ins, but not a rule registered in a notebook, whose
    module it cannot import. ``registrations`` are therefore pickled here with
    cloudpickle, which writes functions of ``__main__`` and of files loaded by
    :func:`changesim.load_extensions` as code (Dask itself would pickle this wrapper with the
    standard pickle, by reference).
    """

    function: Callable[[Any], Any]
    registrations: bytes

    @classmethod
    def of(cls, function: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """``function`` wrapped with this process's user registrations; as it is without."""
        registrations = user_registrations()
        if not registrations:
            return function
        import cloudpickle

        return cls(function, cloudpickle.dumps(registrations))

    def __call__(self, item: Any) -> Any:
        try:
            registrations = pickle.loads(self.registrations)
        except Exception as error:  # e.g. a module of the user's that the worker lacks
            raise ImportError(
                "a worker could not load your own rules, networks, routes or interventions "
                f"({type(error).__name__}: {error}): install their module where the workers "
                "run, or load the file with --with (changesim.load_extensions), which sends "
                "its code"
            ) from None
        install_registrations(registrations)
        return self.function(item)


def _warm_up() -> None:
    """Import the model once per worker process (Mesa and pandas take about a second)."""
    import changesim.model.change_model  # noqa: F401


class ProcessExecutor:
    """A pool of local worker processes, started once and reused for every item.

    Parameters
    ----------
    workers : int, optional
        Number of processes; default the machine's cores.
    start : {"fork", "spawn", "forkserver"}, optional
        How the workers start (:mod:`multiprocessing`); default the platform's (``spawn`` on
        macOS and Windows). Implementations the caller registered travel with the work
        (:class:`WithRegistrations`), so a spawned worker has them too.
    """

    def __init__(self, workers: int | None = None, start: str | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        context = None if start is None else multiprocessing.get_context(start)
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers, initializer=_warm_up, mp_context=context
        )

    def map_unordered(
        self, function: Callable[[Any], Any], items: Iterable[Any]
    ) -> Iterator[tuple[int, Any]]:
        function = WithRegistrations.of(function)
        pending: dict[Future[Any], int] = {}
        queue = enumerate(items)
        limit = self.workers * IN_FLIGHT_PER_WORKER
        for index, item in queue:
            pending[self._pool.submit(function, item)] = index
            if len(pending) >= limit:
                break
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                yield index, future.result()
                following = next(queue, None)
                if following is not None:
                    pending[self._pool.submit(function, following[1])] = following[0]

    def close(self) -> None:
        """Stop the worker processes."""
        self._pool.shutdown(cancel_futures=True)


#: Dask settings for the workers of a local cluster. Dask's default ``MALLOC_TRIM_THRESHOLD_``
#: (64 kB) stops glibc from raising its mmap threshold, so every large numpy array of a week is
#: mapped and unmapped again: runs were 25% slower than on a process pool (measured on the
#: example organisation, 2 workers). The statistical profiler samples every 10 ms; off, too.
LOCAL_WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}


class DaskExecutor:
    """A Dask distributed cluster: an existing one at ``address``, or a local one.

    Parameters
    ----------
    address : str, optional
        The scheduler, e.g. ``tcp://10.0.0.5:8786``. Without it a ``LocalCluster`` of
        ``local_workers`` single-threaded worker processes is started (and stopped by
        :meth:`close`) with :data:`LOCAL_WORKER_CONFIG`; give the workers of a cluster of your
        own the same settings for the same speed.
    local_workers : int, optional
        Workers of the local cluster; default the machine's cores.

    Notes
    -----
    Implementations the caller registered (:func:`changesim.registry.user_registrations`)
    travel with the work and are registered in the worker before it runs
    (:class:`WithRegistrations`).
    """

    def __init__(self, address: str | None = None, local_workers: int | None = None) -> None:
        import dask
        from distributed import Client, LocalCluster

        self._cluster = None
        if address is None:
            with dask.config.set(LOCAL_WORKER_CONFIG):
                self._cluster = LocalCluster(
                    n_workers=local_workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            self._client = Client(self._cluster)
        else:
            self._client = Client(address)
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))

    def map_unordered(
        self, function: Callable[[Any], Any], items: Iterable[Any]
    ) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed

        function = WithRegistrations.of(function)
        queue = enumerate(items)
        index_of: dict[Any, int] = {}
        first = []
        for index, item in queue:
            future = self._client.submit(function, item, pure=False)
            index_of[future.key] = index
            first.append(future)
            if len(first) >= self.workers * IN_FLIGHT_PER_WORKER:
                break
        running = as_completed(first)
        for future in running:
            yield index_of.pop(future.key), future.result()
            future.release()
            following = next(queue, None)
            if following is not None:
                submitted = self._client.submit(function, following[1], pure=False)
                index_of[submitted.key] = following[0]
                running.add(submitted)

    def close(self) -> None:
        """Disconnect, and stop the local cluster if this executor started it."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
