-- sqs2pg sidecar objects, created in the schema of the target table:
--   sqs2pg_ledger            one row per committed SQS message (exactly-once effect)
--   sqs2pg_rejects           messages that could not be loaded, with the reason
--   sqs2pg_app_version_text  2003000 -> '2.3.0', for reading an integer app_version
--   sqs2pg_mask              the hmac-sha256 masking, in SQL (only when pgcrypto is installed)
--
-- sqs2pg runs this script itself at start-up when an object is missing. To create the objects
-- ahead of time (e.g. when the service's role may not CREATE in the schema), run it with psql:
--   psql -v ON_ERROR_STOP=1 -v schema=public -f src/pg/sidecar.sql
-- It is idempotent and safe to run concurrently: an advisory lock serialises the DDL.
-- It never creates extensions. sqs2pg embeds this file at build time (kSidecarDdlTemplate) and
-- runs it at start-up when an object is missing.
BEGIN;
SELECT pg_catalog.pg_advisory_xact_lock(126931101184103);
SET LOCAL search_path = :"schema";

-- One row per committed message, identified by when SQS accepted it (SentTimestamp) and its
-- MessageId as a uuid (non-UUID ids: a name-based uuid of the id); both are the same on every
-- delivery, so a redelivered copy always meets its key in the same partition. Keys in sent-time
-- order land at the right edge of the primary key's B-tree, so an insert costs the same however
-- many keys the ledger holds. Keys are only needed while the message can still be redelivered
-- (SQS keeps messages at most 14 days): the ledger is range-partitioned by day on sent_at (UTC,
-- partitions named sqs2pg_ledger_pYYYYMMDD), and pruning drops whole partitions, which leaves no
-- dead tuples behind. The DEFAULT partition takes keys of a day without a partition (a sender's
-- clock that is off, a missing SentTimestamp); sqs2pg_ledger_maintain() below makes the days.
CREATE TABLE IF NOT EXISTS :"schema".sqs2pg_ledger (
  sent_at timestamptz NOT NULL,
  message_key uuid NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sent_at, message_key)
) PARTITION BY RANGE (sent_at);
CREATE TABLE IF NOT EXISTS :"schema".sqs2pg_ledger_default
  PARTITION OF :"schema".sqs2pg_ledger DEFAULT;

CREATE TABLE IF NOT EXISTS :"schema".sqs2pg_rejects (
  message_id text PRIMARY KEY,
  reason text NOT NULL,
  detail text,
  receive_count int,
  first_rejected_at timestamptz NOT NULL DEFAULT now(),
  last_rejected_at timestamptz NOT NULL DEFAULT now(),
  times_seen int NOT NULL DEFAULT 1
);

-- app_version is stored as major * 1000000 + minor * 1000 + patch.
CREATE OR REPLACE FUNCTION :"schema".sqs2pg_app_version_text(integer) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$SELECT ($1 / 1000000)::text || '.' || ($1 / 1000 % 1000)::text || '.'
         || ($1 % 1000)::text$$;

-- sqs2pg_mask(master_key, field, value) = lower hex HMAC-SHA256(field_key, value) with
-- field_key = HMAC-SHA256(master_key, 'sqs2pg:v1:' || field): what the service stores in the
-- masked_* columns, so an operator holding the key can look a known ip or device id up.
DO $sqs2pg$
DECLARE
  crypto_schema name;
BEGIN
  SELECT n.nspname INTO crypto_schema
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'pgcrypto';
  IF crypto_schema IS NOT NULL THEN
    EXECUTE pg_catalog.format($f$
      CREATE OR REPLACE FUNCTION sqs2pg_mask(master_key bytea, field text, value text)
        RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS 'SELECT pg_catalog.encode(%1$I.hmac(pg_catalog.convert_to($3, ''UTF8''),
              %1$I.hmac(pg_catalog.convert_to(''sqs2pg:v1:'' || $2, ''UTF8''), $1, ''sha256''),
              ''sha256''), ''hex'')'
    $f$, crypto_schema);
  END IF;
END
$sqs2pg$;
-- sqs2pg_ledger_maintain(keep, ahead_days): the ledger's partition maintenance, as the calling
-- role (sqs2pg runs it at start-up and from its pruner; an administrator's scheduled job can run
-- it instead when sqs2pg's role may not CREATE or DROP, see deploy/sql/ledger_maintenance.sql).
--  - Makes the daily partitions from the day of now() - keep (today when keep is NULL) to today +
--    ahead_days. Each is created apart and then attached, which locks the ledger only in SHARE
--    UPDATE EXCLUSIVE mode (commits go on); rows the DEFAULT partition holds for that day are
--    moved into it first.
--  - With a keep window, drops the partitions whose whole day ended before now() - keep (never a
--    DELETE), and deletes the DEFAULT partition's keys committed before now() - keep.
--  - Replicas serialise on the same advisory lock as this script. Every lock is waited for at most
--    lock_timeout (500 ms): a step that would wait longer (a busy ledger, another replica doing the
--    same) is skipped and counted in `busy`, to be done by the next call, so a commit waits at most
--    that long behind it. Other errors (e.g. 42501 without the privilege) are raised.
CREATE OR REPLACE FUNCTION sqs2pg_ledger_maintain(keep interval DEFAULT NULL,
                                                  ahead_days integer DEFAULT 3,
                                                  OUT created integer, OUT dropped integer,
                                                  OUT pruned bigint, OUT busy integer)
  LANGUAGE plpgsql VOLATILE
  SET search_path FROM CURRENT
  SET lock_timeout = '500ms'
AS $sqs2pg$
DECLARE
  ns text := pg_catalog.current_schema();
  ledger regclass := pg_catalog.to_regclass(pg_catalog.format('%I.sqs2pg_ledger', ns));
  today date := (pg_catalog.now() AT TIME ZONE 'UTC')::date;
  first_day date := CASE WHEN keep IS NULL THEN today
                         ELSE ((pg_catalog.now() - keep) AT TIME ZONE 'UTC')::date END;
  day date;
  part text;
BEGIN
  created := 0; dropped := 0; pruned := 0; busy := 0;
  IF ledger IS NULL THEN
    RAISE EXCEPTION 'table %.sqs2pg_ledger does not exist', ns USING ERRCODE = 'undefined_table';
  END IF;
  BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(126931101184103);
  EXCEPTION WHEN lock_not_available THEN
    busy := 1;  -- another replica is at it
    RETURN;
  END;
  -- Drops first: once one has the ledger's ACCESS EXCLUSIVE lock, the steps below wait for no
  -- writer. (The other way round, a drop waiting for a writer that waits for the DEFAULT
  -- partition locked by a creation would hold that writer up until lock_timeout.)
  IF keep IS NOT NULL THEN
    FOR part IN SELECT c.relname FROM pg_catalog.pg_inherits i
                  JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
                 WHERE i.inhparent = ledger AND c.relname ~ '^sqs2pg_ledger_p[0-9]{8}$'
                   AND pg_catalog.to_date(pg_catalog.substr(c.relname, 16), 'YYYYMMDD') < first_day
                 ORDER BY 1 LOOP
      BEGIN
        EXECUTE pg_catalog.format('DROP TABLE %I.%I', ns, part);
        dropped := dropped + 1;
      EXCEPTION WHEN lock_not_available THEN
        busy := busy + 1;
      END;
    END LOOP;
  END IF;
  FOR day IN SELECT pg_catalog.generate_series(first_day, today + ahead_days, '1 day')::date LOOP
    part := 'sqs2pg_ledger_p' || pg_catalog.to_char(day, 'YYYYMMDD');
    CONTINUE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i
                            JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
                           WHERE i.inhparent = ledger AND c.relname = part);
    BEGIN
      EXECUTE pg_catalog.format('CREATE TABLE %I.%I (LIKE %I.sqs2pg_ledger INCLUDING ALL)',
                                ns, part, ns);
      EXECUTE pg_catalog.format('LOCK TABLE %I.sqs2pg_ledger_default IN ACCESS EXCLUSIVE MODE', ns);
      EXECUTE pg_catalog.format(
        'WITH moved AS (DELETE FROM %1$I.sqs2pg_ledger_default WHERE sent_at >= %3$L '
        'AND sent_at < %4$L RETURNING sent_at, message_key, committed_at) '
        'INSERT INTO %1$I.%2$I (sent_at, message_key, committed_at) SELECT * FROM moved',
        ns, part, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
      EXECUTE pg_catalog.format(
        'ALTER TABLE %1$I.sqs2pg_ledger ATTACH PARTITION %1$I.%2$I FOR VALUES FROM (%3$L) TO (%4$L)',
        ns, part, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
      created := created + 1;
    EXCEPTION WHEN lock_not_available THEN
      busy := busy + 1;
    END;
  END LOOP;
  IF keep IS NULL THEN
    RETURN;
  END IF;
  BEGIN
    EXECUTE pg_catalog.format('DELETE FROM %I.sqs2pg_ledger_default WHERE committed_at < $1', ns)
      USING pg_catalog.now() - keep;
    GET DIAGNOSTICS pruned = ROW_COUNT;
  EXCEPTION WHEN lock_not_available THEN
    busy := busy + 1;
  END;
END
$sqs2pg$;
-- Today and the next 3 days, so that a role that may not CREATE loads into day partitions.
SELECT * FROM sqs2pg_ledger_maintain(NULL, 3);
COMMIT;
