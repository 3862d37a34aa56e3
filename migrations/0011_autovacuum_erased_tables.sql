-- Autovacuum visits the tables a deletion or an erasure deletes from or overwrites as soon as
-- they hold one dead tuple, instead of when a fifth of the table is dead (PostgreSQL's default
-- `autovacuum_vacuum_scale_factor` of 0.2): the old versions of an erased person's rows leave
-- the table files within a minute or so of the erasure (one `autovacuum_naptime`), even in a
-- table of millions of rows.
--
-- Before, the server's housekeeping ran VACUUM itself every minute; only a table's owner (or a
-- superuser) may vacuum it on PostgreSQL 15, so a server running as a least-privileged role
-- (docs/operations.md) vacuumed nothing. Autovacuum runs as the cluster's superuser, whatever
-- role the server has (docs/decisions/0018-autovacuum-at-the-first-dead-tuple.md).
--
-- A vacuum of a table with little dead in it reads its visibility map and the few pages that
-- changed; it takes no lock that blocks reads or writes.
ALTER TABLE accounts                SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
ALTER TABLE sessions                SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
ALTER TABLE addresses               SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
ALTER TABLE stores                  SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
ALTER TABLE products                SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
ALTER TABLE orders                  SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
ALTER TABLE order_items             SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
ALTER TABLE conversations           SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
ALTER TABLE messages                SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
ALTER TABLE rate_limits             SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
ALTER TABLE erasure_queue           SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
ALTER TABLE deletion_feedback_inbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 0);
