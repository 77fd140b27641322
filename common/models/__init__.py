"""SQLAlchemy models: one module per service's tables (DESIGN.md §1, "Shape").

A service imports only its own module; ``mixins`` holds the tables several services
repeat: the transactional outbox, the events already consumed, the revocation table and
the live sockets open.
"""
