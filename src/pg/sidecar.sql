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
-- delivery. Keys in sent-time order land at the right edge of the primary key's B-tree, so an
-- insert costs the same however many keys the ledger holds. Keys are only needed while the
-- message can still be redelivered (SQS keeps messages at most 14 days); prune older ones, e.g.
-- DELETE FROM sqs2pg_ledger WHERE committed_at < now() - '15 days'. A ledger made by an older
-- sqs2pg (message_key uuid PRIMARY KEY, no sent_at) is left as it is and keeps working.
CREATE TABLE IF NOT EXISTS :"schema".sqs2pg_ledger (
  sent_at timestamptz NOT NULL,
  message_key uuid NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sent_at, message_key)
);
-- BRIN: keys arrive in time order, so pruning by time costs almost nothing to index.
CREATE INDEX IF NOT EXISTS sqs2pg_ledger_committed_at
  ON :"schema".sqs2pg_ledger USING brin (committed_at);

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
COMMIT;
