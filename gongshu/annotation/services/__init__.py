"""The annotation app's rules, one module per job: ``projects`` (creating projects and
their tasks), ``labels`` (label schemas and fitting an annotation to one), ``lsconfig``
(Label Studio XML configs), ``reading`` (task rows through the gate), ``distribution``
(queues, locks, overlap, gold), ``metrics`` (agreement statistics, pure), ``quality``
(the project's scores and their raw tables), ``review``, ``export``, ``output`` (the
labelled version), ``prelabel`` (the ML back end)."""
