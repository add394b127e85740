-- acucover schema, version 2: API keys and the audit log.
--
-- api_keys holds only what verifying a key needs: the SHA-256 of the secret
-- and a short, non-secret prefix (the first characters of the key) that
-- finds the row and lets a person tell keys apart. The secret itself is
-- printed once by `acucover keys create` and never stored.
CREATE TABLE api_keys (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text NOT NULL,
  role         text NOT NULL,
  prefix       text NOT NULL,
  hash         bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   text NOT NULL DEFAULT '',
  last_used_at timestamptz,
  revoked_at   timestamptz,
  CONSTRAINT api_keys_name_unique UNIQUE (name),
  CONSTRAINT api_keys_prefix_unique UNIQUE (prefix),
  CONSTRAINT api_keys_name_slug CHECK (name ~ '^[a-z][a-z0-9_.@-]{0,63}$'),
  CONSTRAINT api_keys_role_valid CHECK (role IN ('reader', 'editor', 'admin')),
  CONSTRAINT api_keys_hash_sha256 CHECK (octet_length(hash) = 32)
);

-- audit_log records every change to the catalog and to API keys, written in
-- the same transaction as the change, so a change without its audit row (or
-- the reverse) cannot be committed. Rows are never updated or deleted by
-- acucover.
CREATE TABLE audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,
  operation   text NOT NULL,
  resource    text NOT NULL,
  resource_id text NOT NULL DEFAULT '',
  action      text NOT NULL,
  before      jsonb,
  after       jsonb,
  revision_id bigint REFERENCES catalog_revisions (id),
  comment     text NOT NULL DEFAULT '',
  CONSTRAINT audit_log_actor_required CHECK (btrim(actor) <> ''),
  CONSTRAINT audit_log_action_valid CHECK (action IN ('create', 'update', 'delete', 'replace', 'revoke')),
  CONSTRAINT audit_log_resource_valid CHECK (resource IN ('plan', 'condition', 'rule', 'fee_schedule', 'cash_price', 'catalog', 'api_key'))
);
-- The audit page filters by resource, actor and time, newest first.
CREATE INDEX audit_log_resource ON audit_log (resource, resource_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_at ON audit_log (at);
