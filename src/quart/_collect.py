"""Collecting the errors of teardown steps that must all run."""

from __future__ import annotations

from types import TracebackType


def raise_collected(errors: list[BaseException]) -> None:
    """Raise one collected error as itself, several as an exception group."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise BaseExceptionGroup("several teardown functions raised", errors)


class _CollectErrors:
    """Run every teardown step even when one raises, then raise them together
    (Flask's ``_CollectErrors``)::

        collect = _CollectErrors()
        for func in funcs:
            with collect:
                await func(exc)
        collect.raise_any()

    Only errors of the class ``catch`` (:class:`Exception` unless told) are
    collected; anything else (a cancellation) propagates at once.
    """

    __slots__ = ("_catch", "errors")

    def __init__(self, catch: type[BaseException] = Exception) -> None:
        self._catch = catch
        #: The errors collected so far, in the order they were raised.
        self.errors: list[BaseException] = []

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if isinstance(exc_value, self._catch):
            self.errors.append(exc_value)
            return True
        return False

    def raise_any(self) -> None:
        """Raise one collected error as itself, several as an exception group."""
        raise_collected(self.errors)
