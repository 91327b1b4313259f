"""Models of RAGFlow's *loose* requests (contract §1.5), and what every request model may know.

RAGFlow reads most bodies and query strings key by key, checking each in its own order and
wording each refusal its own way (``\\`dataset_ids\\` should be a list``, code 102; ``int()``'s
``ValueError`` repr, code 100). Pydantic collects errors field by field and words them its own
way, so these models *declare* each key with the type clients should send — that is what the
OpenAPI document shows — while accepting the value as it was sent (:data:`Sent`). The checks
that follow are RAGFlow's, in its order: in the model's own validators, or, where RAGFlow
interleaves them with what is stored (a chat's datasets, a session's owner), in the service.

``info.context`` of every validator is a :class:`RequestContext`: the limits, and the path
parameters of the route, for checks that need them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, Self, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, PrivateAttr, ValidationInfo, model_validator

from ragloom.errors import RetCode
from ragloom.settings import LimitSettings

T = TypeVar("T")


def _as_sent(value: Any) -> Any:
    return value


if TYPE_CHECKING:
    Sent = Union[T, Any]  # noqa: UP007 -- a generic alias: ``Sent[list[str]]`` reads as "list[str], as sent"
else:

    class Sent:
        """``Sent[T]``: documented as ``T``, accepted as it was sent (checked afterwards, RAGFlow's way)."""

        def __class_getitem__(cls, documented: Any) -> Any:
            return Annotated[documented, PlainValidator(_as_sent, json_schema_input_type=documented)]


@dataclass(frozen=True)
class RequestContext:
    """What a request model's validators may consult besides the request itself."""

    limits: LimitSettings
    path: Mapping[str, str] = field(default_factory=dict)


def request_context(info: ValidationInfo) -> RequestContext:
    """The :class:`RequestContext` a reader validates with (default limits when validated by hand)."""
    context = info.context
    return context if isinstance(context, RequestContext) else RequestContext(LimitSettings())


def _required_keys(schema: dict[str, Any], model: type[Any]) -> None:
    required = getattr(model, "required_keys", ())
    if required:
        schema["required"] = list(required)
    alternatives = getattr(model, "required_one_of", ())
    if alternatives:
        schema["anyOf"] = [{"required": [key]} for key in alternatives]


class LooseModel(BaseModel):
    """A loose body or query string: every key declared, unknown keys kept, values as sent.

    ``required_keys`` are the keys RAGFlow refuses a request without (``required_one_of``: at
    least one of them): the schema says so, and the model's own checks refuse it in RAGFlow's words."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_required_keys)
    required_keys: ClassVar[tuple[str, ...]] = ()
    required_one_of: ClassVar[tuple[str, ...]] = ()

    def given(self) -> dict[str, Any]:
        """The keys the client sent, with their values as sent (what RAGFlow's ``request.json`` holds)."""
        sent = {key: getattr(self, key) for key in type(self).model_fields if key in self.model_fields_set}
        aliased = {
            type(self).model_fields[key].alias or key: value
            for key, value in sent.items()  # the client's own key, e.g. ``ids[]``
        }
        return {**aliased, **(self.model_extra or {})}


class WordedModel(BaseModel):
    """A loose body RAGFlow checks by hand: its validators raise RAGFlow's own refusals with
    :func:`~ragloom.api.bodies.worded` (those come first); any other problem is the
    ``Field: …`` lines with ``problem_code``. Unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore")
    problem_code: ClassVar[RetCode] = RetCode.DATA_ERROR


class QueryModel(LooseModel):
    """A query string; a key sent more than once holds every value when its field is a list,
    else the last (``takes_first``: the first) value, as the route has always read it."""

    takes_first: ClassVar[bool] = False


class PageQuery(QueryModel):
    """The page keys of a list (§1.6): parsed with ``int()`` by the route, as RAGFlow parses them."""

    page: Sent[int] = None
    page_size: Sent[int] = Field(None, description="At most 100.")


class SortedPageQuery(PageQuery):
    """A page of a list in a chosen order."""

    orderby: Sent[str] = Field(None, description="A column, e.g. create_time or update_time.")
    desc: Sent[bool] = Field(None, description="Descending unless `false`.")

    def orderby_or(self, default: str) -> str:
        """The column to order by: ``orderby`` as sent, else ``default``."""
        return str(self.given().get("orderby") or default)

    def descending(self) -> bool:
        """Descending unless ``desc`` says ``false`` (any case), as most RAGFlow lists read it."""
        return str(self.given().get("desc", "true")).lower() != "false"


Checked = TypeVar("Checked")


class CheckedBody(LooseModel, Generic[Checked]):
    """A loose body whose keys RAGFlow checks one after another: :meth:`check` applies those
    checks in RAGFlow's order and words (raising the first refusal) and makes what the route
    needs of the body, :attr:`checked`."""

    _checked: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check_in_order(self, info: ValidationInfo) -> Self:
        self._checked = self.check(self.given(), request_context(info))
        return self

    def check(self, body: dict[str, Any], context: RequestContext) -> Checked:
        raise NotImplementedError

    @property
    def checked(self) -> Checked:
        checked: Checked = self._checked
        return checked
