"""The gate: the one door every read of data passes.

``read`` asks the conditions (gate/conditions.py, settings.GATE_CONDITIONS) and returns
the read lease (gate/lease.py), the only way to a gated ``Source``; the lease counts what
left and writes the read's one audit entry and usage record. Only this package creates an
allowing Decision (tests/test_layers.py keeps it so). See gongshu/gate/README.md.
"""

from gongshu.gate.decide import Denied
from gongshu.gate.facts import facts, visible
from gongshu.gate.lease import Lease, read
from gongshu.gate.source import ROW_ID, Source
from gongshu.policy.decision import Action, Decision

__all__ = ["ROW_ID", "Action", "Decision", "Denied", "Lease", "Source", "facts", "read", "visible"]
