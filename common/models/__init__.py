"""SQLAlchemy models: one module per service's tables (see DESIGN §1).

A service imports only its own module; ``mixins`` holds the shapes every service repeats
(the transactional outbox and the table of events already consumed).
"""
