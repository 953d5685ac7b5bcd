"""A sweep on a Dask cluster: each experiment one task (``experiments.run_experiment``), collected with `dvc exp pull`.

Dask does the scheduling, the workers and the retries: a task whose worker dies is run again on another worker
(up to the scheduler's ``distributed.scheduler.allowed-failures``). An experiment that fails is one line naming
it and its error; the others finish. Without an address a local cluster on 127.0.0.1 runs the sweep.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from distributed import Client, LocalCluster, as_completed

from seq2arith.runtime.errors import Seq2ArithError
from seq2arith.sweeps.experiments import DVC, Experiment, Outcome, check_clone, check_keys, output_of, run_experiment

CONNECT_TIMEOUT = "5s"


@contextlib.contextmanager
def _client(address: str | None, workers: int) -> Iterator[Client]:
    """A client of the scheduler at ``address``, or of a local cluster of ``workers`` one-task workers on
    127.0.0.1 that share this machine's cores (SEQ2ARITH_THREADS each, unless set)."""
    if address is None:
        threads = os.environ.get("SEQ2ARITH_THREADS") or str(max(1, (os.cpu_count() or 1) // workers))
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, silence_logs=logging.ERROR,
                          env={"SEQ2ARITH_THREADS": threads}) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as error:
        raise Seq2ArithError(f"cannot reach the Dask scheduler at {address}: {error}".replace("\n", " ")) from None
    with client:
        yield client


def run_sweep(experiments: list[Experiment], address: str | None = None, workers: int = 2,
              clone: Path = Path(), git_remote: str = "origin") -> list[Outcome]:
    """Run ``experiments`` on the cluster from ``clone``'s HEAD, pull each finished one into ``clone``, and
    print one line per experiment. One already on the git remote for HEAD (the same name is the same
    configuration) is pulled, not run again. Raises after the others finish when any failed."""
    check_keys(experiments, clone / "params.yaml")
    origin, commit = check_clone(clone, git_remote)
    published = set(output_of(clone, *DVC, "exp", "list", "--name-only", git_remote).split())
    outcomes = [Outcome(experiment, ()) for experiment in experiments if experiment.name in published]
    for outcome in outcomes:
        print(f"{outcome.experiment.name}: on {git_remote} already, nothing ran", flush=True)
    failed = []
    with _client(address, workers) as client:
        futures = {client.submit(run_experiment, experiment, origin, commit, key=f"experiment-{experiment.name}",
                                 pure=False): experiment for experiment in experiments
                   if experiment.name not in published}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except Exception as error:  # the task's own ExperimentFailed, or Dask's KilledWorker
                failed.append(futures[future])
                print(f"failed: {error if isinstance(error, Seq2ArithError) else f'{futures[future]}: {error!r}'}",
                      file=sys.stderr)
                continue
            outcomes.append(outcome)
            print(f"{outcome.experiment.name}: " + (f"ran {', '.join(outcome.ran)}" if outcome.ran
                                                    else "no stage had to run"), flush=True)
    if outcomes:
        output_of(clone, *DVC, "exp", "pull", "--force", git_remote, *(outcome.experiment.name for outcome in outcomes))
    if failed:
        raise Seq2ArithError(f"{len(failed)} of {len(experiments)} experiments failed: "
                             f"{', '.join(experiment.name for experiment in failed)}")
    print(f"{len(outcomes)} experiments in `dvc exp show`")
    return outcomes
