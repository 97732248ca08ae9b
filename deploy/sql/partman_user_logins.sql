-- user_logins partitioned by day on create_date, managed by pg_partman: the set-up, run once
-- (and again whenever a setting changes: it is idempotent), and the maintenance to schedule.
-- Written for pg_partman 4.x, Debian 12's postgresql-15-partman; docs/partitioning.md explains
-- each choice and what differs in 5.x.
--
--   psql -X -v ON_ERROR_STOP=1 -v schema=public -v premake=7 [-v retention='400 days'] \
--     -f deploy/sql/partman_user_logins.sql "$DATABASE_URL"
--
-- Run it as the table's owner; CREATE EXTENSION needs a superuser (or a role allowed to create
-- it) the first time. sqs2pg's role needs only INSERT on user_logins: rows are routed to the
-- partitions through the parent, whose privileges are the ones checked.
--
-- Variables (all optional):
--   schema     the schema of user_logins (default public)
--   premake    days made ahead of today (default 7): how long loading goes on without a
--              partition going missing if the maintenance job stops; `sqs2pg check` warns
--              under 2 days ahead
--   retention  drop day partitions older than this, e.g. '400 days' (default: keep them all).
--              Never shorter than the queue's MessageRetentionPeriod plus a day: create_date is
--              the send date, so a late message belongs to an old day.
--
-- The maintenance (makes the days ahead, applies the retention) must run at least daily; hourly
-- is cheap. Any one of:
--   cron (crontab of a role that may connect as the table's owner):
--     7 * * * *  psql -X -q -v ON_ERROR_STOP=1 -c "SELECT partman.run_maintenance('public.user_logins')" "$DATABASE_URL"
--   pg_cron (in its database, as the table's owner):
--     SELECT cron.schedule('partman-user-logins', '7 * * * *',
--       $$SELECT partman.run_maintenance('public.user_logins')$$);
--   pg_partman's background worker (postgresql.conf; needs a restart):
--     shared_preload_libraries = 'pg_partman_bgw'
--     pg_partman_bgw.interval = 3600
--     pg_partman_bgw.role = 'the table owner'
--     pg_partman_bgw.dbname = 'the database'

\if :{?schema}
\else
\set schema public
\endif
\if :{?premake}
\else
\set premake 7
\endif
\set parent :schema '.user_logins'

-- pg_partman counts days in the session's time zone; sqs2pg's create_date is a UTC date.
SET TimeZone = 'UTC';

BEGIN;

CREATE SCHEMA IF NOT EXISTS partman;
CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;

-- pg_partman's control column must be NOT NULL; sqs2pg always fills it (the UTC date of the
-- message's SentTimestamp, with the built-in login mapping).
CREATE TABLE IF NOT EXISTS :"schema".user_logins (
  user_id          varchar(128),
  device_type      varchar(32),
  masked_ip        varchar(256),
  masked_device_id varchar(256),
  locale           varchar(32),
  app_version      integer,
  create_date      date NOT NULL
) PARTITION BY RANGE (create_date);

-- Daily partitions named user_logins_pYYYY_MM_DD, `premake` days back and ahead, and the
-- DEFAULT partition user_logins_default (4.x always makes it): a row for a day without a
-- partition goes there instead of being refused (db_refused).
SELECT partman.create_parent(p_parent_table := :'parent', p_control := 'create_date',
                             p_type := 'native', p_interval := 'daily', p_premake := :premake)
 WHERE NOT EXISTS (SELECT 1 FROM partman.part_config WHERE parent_table = :'parent');

-- infinite_time_partitions: make the days ahead of today, not of the newest row. Without it,
-- pg_partman makes no partition while no row arrives (a stopped loader, a backlog held in the
-- queue), and when the rows come back their days have none.
UPDATE partman.part_config
   SET premake = :premake, infinite_time_partitions = true
 WHERE parent_table = :'parent';

\if :{?retention}
-- Old days are dropped (retention_keep_table = false), not just detached.
UPDATE partman.part_config
   SET retention = :'retention', retention_keep_table = false
 WHERE parent_table = :'parent';
\endif

COMMIT;

-- What the scheduled job repeats: the days ahead now, and the retention.
SELECT partman.run_maintenance(:'parent');
