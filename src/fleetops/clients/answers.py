"""Reading a service's JSON answer: an answer of an unexpected shape is a one-line ServiceError.

Two ways, both naming the service, what was asked and the field:
- `read_answer(Model, data, ...)` validates the answer against a small pydantic model (for
  answers fleetops reads as a whole, e.g. Merge Freeze's branch state);
- `with answer_shape(service, what):` around code that walks an answer (`node["labels"]["nodes"]`)
  turns the KeyError/TypeError of a missing or mistyped field into that error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from fleetops.errors import ServiceError

M = TypeVar("M", bound=BaseModel)
_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def read_answer(model: type[M], data: Any, *, service: str, what: str) -> M:
    """`data` as `model`; ServiceError naming the first field that does not fit."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        if not field:  # the answer itself is not an object
            kind = _JSON_KINDS.get(type(data), type(data).__name__)
            raise ServiceError(f"{service} answered {what} with a JSON {kind} instead of an object: {_shown(data)}.") from None
        raise ServiceError(
            f"{service} answered {what} with an unexpected `{field}`: {first['msg'].lower()}, got {_shown(first['input'])}."
        ) from None


@contextmanager
def answer_shape(service: str, what: str) -> Iterator[None]:
    """Turn a missing or mistyped field met while reading an answer into a ServiceError."""
    try:
        yield
    except KeyError as err:
        raise ServiceError(f"{service} answered {what} without the field `{err.args[0]}`.") from None
    except (TypeError, AttributeError, IndexError, ValueError) as err:
        raise ServiceError(f"{service} answered {what} in an unexpected shape ({err}).") from None
