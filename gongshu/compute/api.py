"""Compute-to-data HTTP API: submit a job, list and see jobs, their outputs, download a
released output, review. Thin: parse, call the services, shape. A job the caller may
not know of is a 404."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from gongshu.compute import services
from gongshu.compute.models import Job, Output, Vetting
from gongshu.compute.schemas import JobIn, JobOut, OutputOut, ReviewIn
from gongshu.ops.auth import ApiRequest, require_scope, signed_in
from gongshu.ops.errors import ErrorOut

router = Router(tags=["compute"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
BASE = "/compute/jobs"


def _job(request: ApiRequest, job_id: str) -> Job:
    return get_object_or_404(
        Job.objects.visible_to(request.auth).select_related("organization", "node"), uid=job_id
    )


def output_out(job: Job, output: Output) -> dict[str, Any]:
    released = output.status == Vetting.RELEASED and bool(output.file)
    return {
        "name": output.name,
        "status": output.status,
        "rows": output.rows,
        "bytes": output.bytes,
        "columns": output.columns,
        "reason": services.reason_text(output.reason, output.reason_parts),
        "checks": [{k: v for k, v in c.items() if k != "parts"} for c in output.checks],
        "review_reason": output.review_reason,
        "download": f"/api/v1{BASE}/{job.uid}/outputs/{output.name}" if released else None,
    }


def job_out(job: Job) -> dict[str, Any]:
    return {
        "id": job.uid,
        "title": job.title,
        "organization": job.organization.code,
        "agreement": job.agreement_id,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "stage": job.stage,
        "reason": services.reason_text(job.reason, job.reason_parts),
        "inputs": [
            {k: item[k] for k in ("name", "resource", "version", "fields")} for item in job.inputs
        ],
        "outputs": job.outputs,
        "dp": job.dp,
        "executor": job.executor,
        "node": job.node.code if job.node else None,
        "placement": job.placement,
        "cost_yuan": str(job.cost),
        "energy_wh": str(job.energy_wh),
        "cpu_seconds": job.cpu_seconds,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "results": [output_out(job, o) for o in job.results.order_by("name")],
    }


@router.get(BASE, response=list[JobOut], auth=signed_in)
def list_jobs(request: ApiRequest, status: str | None = None):
    found = Job.objects.visible_to(request.auth).select_related("organization", "node")
    if status:
        found = found.filter(status=status)
    return [job_out(j) for j in found[:200]]


@router.post(BASE, response={201: JobOut, **ERRORS}, auth=require_scope("write"))
def submit_job(request: ApiRequest, payload: JobIn):
    limits = payload.limits.model_dump(exclude_none=True) if payload.limits else None
    job = services.submit(
        request.auth,
        agreement=payload.agreement,
        kind=payload.kind,
        inputs_declared=[i.model_dump(exclude_none=True) for i in payload.inputs],
        outputs=payload.outputs,
        code=payload.code,
        dp_spec=payload.dp,
        title=payload.title,
        k=payload.k,
        review=payload.review,
        executor=payload.executor,
        placement_policy=payload.placement_policy,
        batch=payload.batch,
        limits=limits,
    )
    job.refresh_from_db()
    return Status(201, job_out(job))


@router.get(BASE + "/{job_id}", response={200: JobOut, 404: ErrorOut}, auth=signed_in)
def get_job(request: ApiRequest, job_id: str):
    return job_out(_job(request, job_id))


@router.get(
    BASE + "/{job_id}/outputs", response={200: list[OutputOut], 404: ErrorOut}, auth=signed_in
)
def list_outputs(request: ApiRequest, job_id: str):
    job = _job(request, job_id)
    return [output_out(job, o) for o in job.results.order_by("name")]


@router.get(BASE + "/{job_id}/outputs/{name}", response={404: ErrorOut}, auth=signed_in)
def download_output(request: ApiRequest, job_id: str, name: str):
    job = _job(request, job_id)
    path = services.released_file(request.auth, job, name)
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{job.uid}-{name}.parquet")


@router.post(
    BASE + "/{job_id}/review", response={200: JobOut, **ERRORS}, auth=require_scope("write")
)
def review_job(request: ApiRequest, job_id: str, payload: ReviewIn):
    job = services.review(
        request.auth, _job(request, job_id), release=payload.release, reason=payload.reason
    )
    return job_out(job)
