"""Operating the background jobs: what failed, what is dead, who is alive, and what to do.

- ``journal``: a Dramatiq middleware recording every failed attempt in the failing
  service's own database (``job_failures``), and the log lines that go with it.
- ``heartbeats``: workers and schedulers write a sign of life; health checks read it.
- ``broker``: RabbitMQ as operators see it: queue depths and rates from the management
  API (a monitoring user), dead letters read, requeued and discarded over AMQP.
- ``status``: one service's verdict (queues, outbox, timers, heartbeats), red or green.
- ``actions``: requeue, discard, purge and sweep, each written to the append-only audit.
- ``api``: the admin and operator endpoints every service mounts at ``<prefix>/ops``.
- ``cli``: ``tts jobs``, the same facts and actions from a shell.
"""
