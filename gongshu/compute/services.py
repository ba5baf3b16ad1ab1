"""The compute-to-data service: submit a job, run it, vet its outputs, review, download.

Status flow: submitted → running → vetting → released | review | blocked | failed, and
review → released | blocked. Every step is audited (``compute.*``); every reason is a
``Reason`` (policy/reasons.py) kept with its message ids, so it reads in either language.

- **submit** checks the declaration, places the job (placement.py), reads each input
  through the gate under the job's agreement (inputs.py: the lease counts the read as
  the job's inputs), charges a DP job's epsilon (budget.py) and enqueues the run.
- **run** (tasks.py) builds the spec (spec.py), hands it to the job's executor
  (executors.py), writes each output as Parquet beside the data and vets it
  (vetting.py). A blocked or failed job keeps nothing it wrote, and its DP charge is
  refunded: nothing left, so nothing was spent.
- Only a released output is downloadable.
"""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_noop as N_

from gongshu.access.models import Agreement
from gongshu.audit import services as audit
from gongshu.compute import budget, dp, executors, inputs, placement, rules, tasks, vetting
from gongshu.compute.child import Failed
from gongshu.compute.models import FINAL, Job, Kind, Output, Status, Vetting
from gongshu.compute.spec import GatedInput, build_spec, node_dict
from gongshu.gate.facts import as_principal
from gongshu.orgs.facts import writes_for
from gongshu.policy.reasons import Reason, parts_of, worded
from gongshu.policy.reasons import reason as _

OUTPUT_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
MAX_CODE = 100_000
FAILURES = {
    "time": N_("The job ran past its wall-time limit of %(wall)d s and was stopped."),
    "cpu": N_("The job used more than its %(cpu)d CPU seconds and was stopped."),
    "memory": N_("The job ran out of its %(mib)d MiB of memory and was stopped."),
    "too_large": N_("The output %(message)s is larger than the job may answer."),
    "isolation": N_(
        "The sandbox could not be set up on this machine (%(message)s); the job was not run."
    ),
    "error": N_("The job failed: %(message)s"),
}


def _bad(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def root() -> Path:
    return Path(getattr(settings, "COMPUTE_DIR", None) or settings.DATA_DIR / "compute")


def inputs_dir(job: Job) -> Path:
    return root() / "inputs" / job.uid


def outputs_dir(job: Job) -> Path:
    return root() / "outputs" / job.uid


def reason_text(text: str, parts: list[Any]) -> str:
    """A stored reason in the reader's language."""
    if not parts:
        return text
    return " ".join(worded([p], "") for p in parts).strip() or text


# --- submit ---------------------------------------------------------------------------


def _agreement(principal: Any, agreement_id: Any) -> Agreement:
    if not isinstance(agreement_id, int):
        raise _bad("agreement", _("Name the agreement the job runs under."))
    found = Agreement.objects.visible_to(principal).filter(pk=agreement_id).first()
    if found is None:
        raise Http404(_("No agreement #%(n)s of yours.") % {"n": agreement_id})
    if found.organization_id not in principal.organization_ids():
        raise PermissionDenied(_("Only the licensee's members submit jobs under its agreement."))
    return found


def _check(kind: str, code: str, outputs: list[Any], dp_spec: Any, k: Any) -> int:
    if kind not in Kind.values:
        raise _bad("kind", _("A job is sql, python or dp."))
    if kind != Kind.DP and (not isinstance(code, str) or not code.strip()):
        raise _bad("code", _("Give the job's code."))
    if isinstance(code, str) and len(code) > MAX_CODE:
        raise _bad("code", _("The code is longer than %(n)d characters.") % {"n": MAX_CODE})
    if not isinstance(outputs, list) or not 1 <= len(outputs) <= 8:
        raise _bad("outputs", _("Declare 1 to 8 outputs."))
    if not all(isinstance(o, str) and OUTPUT_NAME.match(o) for o in outputs):
        raise _bad("outputs", _("Name each output in lower-case letters, digits and _."))
    if len(set(outputs)) != len(outputs):
        raise _bad("outputs", _("Give each output a name of its own."))
    if kind in (Kind.SQL, Kind.DP) and len(outputs) != 1:
        raise _bad("outputs", _("A SQL or DP job has one output."))
    if kind == Kind.DP and not isinstance(dp_spec, dict):
        raise _bad("dp", _("A DP job declares its aggregates and epsilon in dp."))
    default_k = int(rules.value("k-groups"))
    k = default_k if k is None else k
    if not isinstance(k, int) or k < default_k:
        raise _bad("k", _("k is a whole number of at least %(k)d.") % {"k": default_k})
    return k


def submit(
    caller: Any,
    *,
    agreement: Any,
    kind: str,
    inputs_declared: Any,
    outputs: Any,
    code: str = "",
    dp_spec: Any = None,
    title: str = "",
    k: Any = None,
    review: bool = False,
    executor: str = "local",
    placement_policy: str = "nearest",
    batch: bool = False,
    limits: Any = None,
    enqueue: bool = True,
) -> Job:
    """Check, place and read a job's inputs; the Job, submitted (or refused: 4xx)."""
    principal = as_principal(caller)
    if principal.user is None:
        raise PermissionDenied(_("Sign in to submit a job."))
    k = _check(kind, code, outputs, dp_spec, k)
    if executor not in executors.names():
        raise _bad("executor", _("Choose one of: %(e)s.") % {"e": ", ".join(executors.names())})
    if limits is not None and not isinstance(limits, dict):
        raise _bad("limits", _("Give limits as wall_seconds, cpu_seconds and memory_mib."))
    found = _agreement(principal, agreement)
    declared = inputs.declared(principal, inputs_declared)
    if kind == Kind.DP:
        if len(declared) != 1:
            raise _bad("inputs", _("A DP job reads one input."))
        dp.check(dp_spec, declared[0].fields)
        code = dp.sql(dp_spec, declared[0].name)
    placed = placement.place([d.dataset for d in declared], placement_policy, batch=batch)
    job = Job(
        uid=secrets.token_hex(16),
        submitted_by=principal.user,
        organization=found.organization,
        agreement=found,
        title=str(title or "")[:200],
        kind=kind,
        code=code,
        inputs=[],
        outputs=list(outputs),
        dp=dp_spec if kind == Kind.DP else None,
        k=k,
        review=bool(review),
        executor=executor,
        placement_policy=placement_policy,
        batch=bool(batch),
        limits=limits or {},
        node=placed.node,
        placement=placed.record,
    )
    directory = inputs_dir(job)
    try:
        with transaction.atomic():
            job.save()
            job.datasets.set([d.dataset for d in declared])
            _gated, vetted, versions = inputs.materialize(
                principal, declared, found.pk, job.uid, directory
            )
            job.inputs = [
                {
                    "name": d.name,
                    "resource": d.dataset.name,
                    "version": number,
                    "fields": d.fields,
                    "sensitivity": v.sensitivity,
                    "detector": v.detector,
                }
                for d, v, number in zip(declared, vetted, versions, strict=True)
            ]
            job.save(update_fields=["inputs"])
            if kind == Kind.DP:
                budget.charge(job, declared[0].dataset, dp.epsilon_of(dp_spec))
            audit.record(
                principal,
                "compute.submitted",
                resource=f"compute_job:{job.uid}",
                organization=job.organization,
                details={
                    "kind": kind,
                    "inputs": job.inputs,
                    "outputs": job.outputs,
                    "agreement": found.pk,
                    "placement": placed.record,
                },
            )
            if enqueue:
                transaction.on_commit(lambda: _enqueue(job))
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return job


def _enqueue(job: Job) -> None:
    tasks.run_job_task.enqueue(job.pk)


# --- run ------------------------------------------------------------------------------


def _step(job: Job, status: str, progress: int, stage: str) -> None:
    job.status, job.progress, job.stage = status, progress, stage
    Job.objects.filter(pk=job.pk).update(status=status, progress=progress, stage=stage)


def _finish(job: Job, status: str, reason: str = "", cpu: float = 0.0) -> Job:
    job.status = status
    job.reason = str(reason)
    job.reason_parts = parts_of(reason) or []
    job.progress = 100
    job.stage = ""
    job.finished_at = timezone.now()
    job.cpu_seconds = cpu
    if job.node is not None:
        job.cost, job.energy_wh = placement.cost_and_energy(job.node, cpu)
    with transaction.atomic():
        job.save()
        if status in (Status.FAILED, Status.BLOCKED):
            budget.refund(job)
        audit.record(
            job.submitted_by,
            f"compute.{status}",
            resource=f"compute_job:{job.uid}",
            organization=job.organization,
            details={
                "reason": job.reason,
                "cpu_seconds": cpu,
                "node": job.node.code if job.node else None,
                "cost": str(job.cost),
                "energy_wh": str(job.energy_wh),
            },
        )
    shutil.rmtree(inputs_dir(job), ignore_errors=True)
    if status in (Status.FAILED, Status.BLOCKED):
        shutil.rmtree(outputs_dir(job), ignore_errors=True)
    return job


def _failure(job: Job, failed: Failed) -> Reason:
    limits = build_spec(job, [])["limits"]
    values = {
        "wall": limits["wall_seconds"],
        "cpu": limits["cpu_seconds"],
        "mib": limits["memory_bytes"] >> 20,
        "message": failed.message,
    }
    return _(FAILURES.get(failed.kind, FAILURES["error"])) % values


def _gated(job: Job) -> tuple[list[GatedInput], list[vetting.Input]]:
    directory = inputs_dir(job)
    gated, vetted = [], []
    for number, item in enumerate(job.inputs):
        path = directory / f"in{number}.parquet"
        gated.append(GatedInput(item["name"], str(path), item["fields"]))
        vetted.append(
            vetting.Input(
                item["name"],
                path,
                item["fields"],
                sensitivity=item.get("sensitivity") or {},
                detector=item.get("detector") or {},
            )
        )
    return gated, vetted


def run(job_id: int) -> Job:
    """Run a submitted job to its end: executor, then vetting; what is left is recorded."""
    job = Job.objects.select_related("node", "organization", "submitted_by").get(pk=job_id)
    if job.status != Status.SUBMITTED:
        return job
    gated, vetted = _gated(job)
    if not all(Path(g.path).is_file() for g in gated):
        return _finish(job, Status.FAILED, _("The job's gated inputs are gone; submit it again."))
    job.started_at = timezone.now()
    Job.objects.filter(pk=job.pk).update(started_at=job.started_at)
    _step(job, Status.RUNNING, 10, "running")
    audit.record(
        job.submitted_by,
        "compute.running",
        resource=f"compute_job:{job.uid}",
        organization=job.organization,
        details={"executor": job.executor, "node": job.node.code if job.node else None},
    )
    spec = build_spec(job, gated)
    try:
        answer = executors.get(job.executor)(spec, node_dict(job.node))
    except Failed as failed:
        return _finish(job, Status.FAILED, _failure(job, failed), failed.cpu)
    except Exception as exc:  # an executor's own failure (Ray down): the job failed
        return _finish(
            job, Status.FAILED, _("The executor failed: %(message)s") % {"message": str(exc)[:300]}
        )
    cpu = float(answer.get("cpu") or 0.0)
    _step(job, Status.VETTING, 70, "vetting")
    return _vet(job, answer["outputs"], vetted, cpu)


def _table(body: bytes) -> pa.Table:
    with pyarrow.ipc.open_stream(body) as reader:
        return reader.read_all()


def _vet(job: Job, bodies: dict[str, bytes], vetted: list[vetting.Input], cpu: float) -> Job:
    directory = outputs_dir(job)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    failed: list[Reason | str] = []
    made = []
    for name in job.outputs:
        table = _table(bodies[name])
        if job.kind == Kind.DP:
            table = dp.noisy(table, job.dp or {})
        path = directory / f"{name}.parquet"
        pq.write_table(table, path)
        verdict = vetting.vet(path, vetted, k=job.k, differentially_private=job.kind == Kind.DP)
        if verdict.passed:
            status, reason, parts = (Vetting.REVIEW if job.review else Vetting.RELEASED), "", []
        else:
            status, reason, parts = Vetting.BLOCKED, verdict.reason, verdict.parts
            failed.append(verdict.reason)
            path.unlink(missing_ok=True)
        made.append(
            Output(
                job=job,
                name=name,
                file=path.name if status != Vetting.BLOCKED else "",
                rows=table.num_rows,
                bytes=path.stat().st_size if path.exists() else 0,
                columns=list(table.column_names),
                checks=verdict.checks,
                status=status,
                reason=reason,
                reason_parts=parts,
            )
        )
    Output.objects.bulk_create(made)
    if failed:
        prefix = _("Vetting blocked the outputs:")
        blocked = Reason(
            " ".join([str(prefix), *(str(f) for f in failed)]),
            (*prefix.parts, *(tuple(p) for o in made for p in o.reason_parts)),
        )
        return _finish(job, Status.BLOCKED, blocked, cpu)
    return _finish(job, Status.REVIEW if job.review else Status.RELEASED, "", cpu)


def fail_stuck(job: Job, message: str) -> Job:
    """Mark a job whose task died as failed (its charge refunded)."""
    if job.status in FINAL:
        return job
    return _finish(job, Status.FAILED, _("The job failed: %(message)s") % {"message": message})


# --- review and download ----------------------------------------------------------------


def may_review(caller: Any, job: Job) -> bool:
    """The inputs' providers' editors and admins, and the data authority."""
    principal = as_principal(caller)
    return any(writes_for(principal, d.provider_id) for d in job.datasets.all())


def review(caller: Any, job: Job, *, release: bool, reason: str) -> Job:
    """A reviewer's decision on a job awaiting review, with its recorded reason."""
    principal = as_principal(caller)
    if not may_review(principal, job):
        raise PermissionDenied(_("Only the data's provider or the data authority reviews a job."))
    if job.status != Status.REVIEW:
        raise _bad("status", _("This job is not awaiting review."))
    if not isinstance(reason, str) or not reason.strip():
        raise _bad("reason", _("Give the reason of the decision."))
    with transaction.atomic():
        for output in job.results.filter(status=Vetting.REVIEW):
            output.status = Vetting.RELEASED if release else Vetting.REJECTED
            output.reviewed_by = principal.user
            output.review_reason = reason.strip()
            output.reviewed_at = timezone.now()
            output.save()
        audit.record(
            principal,
            "compute.reviewed",
            resource=f"compute_job:{job.uid}",
            organization=job.organization,
            details={"released": release, "reason": reason.strip()},
        )
        if release:
            job.status = Status.RELEASED
            job.save(update_fields=["status"])
            return job
        decided = _("The reviewer did not release the outputs: %(reason)s") % {
            "reason": reason.strip()
        }
        return _finish(job, Status.BLOCKED, decided, job.cpu_seconds)


def released_file(caller: Any, job: Job, name: str) -> Path:
    """The file of a released output, the download audited; 404 for any other."""
    output = job.results.filter(name=name).first()
    if output is None or output.status != Vetting.RELEASED or not output.file:
        raise Http404(gettext_now("No released output %(name)s.") % {"name": name})
    path = outputs_dir(job) / output.file
    if not path.is_file():
        raise Http404(gettext_now("No released output %(name)s.") % {"name": name})
    audit.record(
        as_principal(caller),
        "compute.downloaded",
        resource=f"compute_job:{job.uid}",
        organization=job.organization,
        details={"output": name, "bytes": path.stat().st_size},
    )
    return path
