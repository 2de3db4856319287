"""``facturo worker``: the background jobs of Facturo, run by ``facturo worker`` or by a thread
of ``facturo serve``.

A job kind (``JobKind``) claims what is due in a short transaction of its own, does the work
outside any transaction, and records each outcome; claims are leases, so work held by a worker
that died becomes due again when its lease ends. ``Worker`` runs every kind in turn until it is
asked to stop. Webhook deliveries are the first kind; another (DIAN transmission) slots in by
implementing ``JobKind`` and joining ``job_kinds()``.
"""

from facturo.worker.runner import JobKind, Outcomes, Worker, job_kinds

__all__ = ["JobKind", "Outcomes", "Worker", "job_kinds"]
