-- acucover schema, version 3: content-addressed catalog items.
--
-- A catalog item (a plan, condition, rule, fee schedule, cash price or
-- licensure entry: one element of a top-level list of the catalog) is stored
-- once per distinct content, as JSON, under the SHA-256 of its kind and
-- content. A revision is the set of item versions alive in it: each
-- item_versions row says that an item had this content (hash) at this place
-- in its list (position) from revision from_revision up to, not including,
-- to_revision (NULL: still alive). Revisions are linear, so the head is the
-- rows with to_revision NULL, and an edit writes rows for what it changes
-- only. See internal/postgres's package documentation.
--
-- The relational tables of version 1 are converted (every revision keeps
-- its id and content) and dropped.

-- item_kinds names the kinds of items; a new top-level list of the catalog
-- adds a row here in a migration.
CREATE TABLE item_kinds (
  kind text PRIMARY KEY,
  CONSTRAINT item_kinds_kind_slug CHECK (kind ~ '^[a-z][a-z_]*$')
);
INSERT INTO item_kinds (kind) VALUES
  ('plan'), ('condition'), ('rule'), ('fee_schedule'), ('cash_price'), ('licensure');

CREATE TABLE catalog_items (
  hash    bytea PRIMARY KEY,
  kind    text NOT NULL REFERENCES item_kinds (kind),
  item_id text NOT NULL,
  content jsonb NOT NULL,
  CONSTRAINT catalog_items_hash_sha256 CHECK (octet_length(hash) = 32),
  CONSTRAINT catalog_items_content_object CHECK (jsonb_typeof(content) = 'object')
);

CREATE TABLE item_versions (
  kind          text NOT NULL REFERENCES item_kinds (kind),
  item_id       text NOT NULL,
  position      bigint NOT NULL,
  hash          bytea NOT NULL REFERENCES catalog_items (hash),
  from_revision bigint NOT NULL REFERENCES catalog_revisions (id),
  to_revision   bigint REFERENCES catalog_revisions (id),
  CONSTRAINT item_versions_span CHECK (to_revision IS NULL OR to_revision > from_revision)
);
-- One live version per item, and one item per place in its list.
CREATE UNIQUE INDEX item_versions_open ON item_versions (kind, item_id) WHERE to_revision IS NULL;
CREATE UNIQUE INDEX item_versions_open_position ON item_versions (kind, position) WHERE to_revision IS NULL;
-- What changed between two revisions: versions born or ended in between.
CREATE INDEX item_versions_from ON item_versions (from_revision);
CREATE INDEX item_versions_to ON item_versions (to_revision);

-- Revisions are linear: moving back to older content is a new revision
-- with that content, so a content hash may repeat.
ALTER TABLE catalog_revisions DROP CONSTRAINT catalog_revisions_content_hash_unique;
CREATE INDEX catalog_revisions_content_hash ON catalog_revisions (content_hash);

ALTER TABLE audit_log DROP CONSTRAINT audit_log_resource_valid;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_resource_valid
  CHECK (resource IN ('plan', 'condition', 'rule', 'fee_schedule', 'cash_price', 'licensure', 'catalog', 'api_key'));

-- acucover:convert (internal/postgres converts the version-1 revisions here)

DROP TABLE cash_price_sources;
DROP TABLE cash_prices;
DROP TABLE fee_schedule_sources;
DROP TABLE fee_schedule_notes;
DROP TABLE fee_schedule_amounts;
DROP TABLE fee_schedules;
DROP TABLE rule_sources;
DROP TABLE rule_notes;
DROP TABLE rule_billing_notes;
DROP TABLE rule_billing_modifiers;
DROP TABLE rule_billing_cpt;
DROP TABLE rule_providers;
DROP TABLE rule_extensions;
DROP TABLE rule_limit_windows;
DROP TABLE rule_criteria;
DROP TABLE rule_conditions;
DROP TABLE rule_states;
DROP TABLE rules;
DROP TABLE condition_sources;
DROP TABLE condition_retired_codes;
DROP TABLE condition_icd10_families;
DROP TABLE condition_icd10_codes;
DROP TABLE conditions;
DROP TABLE plan_sources;
DROP TABLE plan_notes;
DROP TABLE plan_copay_steps;
DROP TABLE plan_cost_sharing;
DROP TABLE plan_states;
DROP TABLE plans;
