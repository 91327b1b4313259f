"""``/evaluations``: retrieval-quality evaluations of a dataset (ragloom's own API). Every answer is
the J envelope; an evaluation of another tenant is answered as missing. The requests:
:mod:`ragloom.api.schemas.evaluations`; what they do: :mod:`ragloom.services.evaluations`."""

from __future__ import annotations

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import LooseBody, NoBody, Query
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.evaluations import (
    CreateEvaluationRequest,
    DeletedOut,
    DeleteEvaluationsRequest,
    EvaluationDetailOut,
    EvaluationOut,
    EvaluationPageOut,
    ListEvaluationsQuery,
)

router = api_router("/evaluations", tags=["evaluations"])


@router.post("", summary="Evaluate retrieval on a dataset (queued; poll it for progress and results)")
@envelope(Envelope.J, data=EvaluationOut)
def create_evaluation(
    caller: CurrentCaller, services: ServicesDep, body: LooseBody[CreateEvaluationRequest]
) -> Response:
    return success(Envelope.J, services.evaluations.create(caller, body.checked))


@router.get("", summary="List the caller's evaluations")
@envelope(Envelope.J, data=EvaluationPageOut)
def list_evaluations(caller: CurrentCaller, services: ServicesDep, query: Query[ListEvaluationsQuery]) -> Response:
    evaluations, total = services.evaluations.page(caller, query.listing())
    return success(Envelope.J, {"evaluations": evaluations, "total": total})


@router.delete("", summary="Delete evaluations (running ones stop)")
@envelope(Envelope.J, data=DeletedOut)
def delete_evaluations(
    caller: CurrentCaller, services: ServicesDep, body: LooseBody[DeleteEvaluationsRequest]
) -> Response:
    return success(Envelope.J, {"deleted": services.evaluations.delete(caller, body.evaluation_ids())})


@router.get("/{evaluation_id}", summary="An evaluation: status, progress, metrics and per-question results")
@envelope(Envelope.J, data=EvaluationDetailOut)
def get_evaluation(evaluation_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.J, services.evaluations.get(caller, evaluation_id))


@router.post("/{evaluation_id}/cancel", summary="Stop a queued or running evaluation (its results so far stay)")
@envelope(Envelope.J, data=EvaluationOut)
def cancel_evaluation(evaluation_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    return success(Envelope.J, services.evaluations.cancel(caller, evaluation_id))
