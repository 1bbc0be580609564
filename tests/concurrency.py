"""Running calls in threads that start together, for tests of what concurrent writers do on a server database."""

import threading
from collections.abc import Callable

from django.db import connection


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run each call in its own thread, all released by one barrier; the result of each, or the exception it
    raised, in the order given. Each thread closes its own database connection when done."""
    start = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            start.wait()
            outcomes[i] = calls[i]()
        except BaseException as error:  # reported to the main thread
            outcomes[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
