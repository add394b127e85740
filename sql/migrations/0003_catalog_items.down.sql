-- Undoes version 3 on a database without catalog revisions (a revision's
-- items cannot be put back into the version-1 tables by SQL): export the
-- catalog first, migrate down, migrate up and import it again.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM catalog_revisions) THEN
    RAISE EXCEPTION 'migration 0003 cannot be undone while catalog revisions exist: export the catalog first';
  END IF;
END $$;

DROP TABLE item_versions;
DROP TABLE catalog_items;
DROP TABLE item_kinds;
DROP INDEX catalog_revisions_content_hash;
ALTER TABLE catalog_revisions ADD CONSTRAINT catalog_revisions_content_hash_unique UNIQUE (content_hash);
ALTER TABLE audit_log DROP CONSTRAINT audit_log_resource_valid;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_resource_valid
  CHECK (resource IN ('plan', 'condition', 'rule', 'fee_schedule', 'cash_price', 'catalog', 'api_key'));

-- The version-1 catalog tables, as 0001 created them.
-- Plans.

CREATE TABLE plans (
  revision_id         bigint NOT NULL REFERENCES catalog_revisions (id) ON DELETE CASCADE,
  id                  text NOT NULL,
  ordinal             int NOT NULL,
  name                text NOT NULL,
  payer               text NOT NULL,
  type                text NOT NULL,
  all_states          boolean NOT NULL,
  benefit_kind        text NOT NULL,
  benefit_start_month int NOT NULL DEFAULT 0,
  PRIMARY KEY (revision_id, id),
  CONSTRAINT plans_ordinal_unique UNIQUE (revision_id, ordinal),
  CONSTRAINT plans_id_slug CHECK (id ~ '^[a-z][a-z0-9_-]{0,63}$'),
  CONSTRAINT plans_name_required CHECK (btrim(name) <> ''),
  CONSTRAINT plans_payer_required CHECK (btrim(payer) <> ''),
  CONSTRAINT plans_type_valid CHECK (type IN ('original_medicare', 'medicare_advantage', 'medicaid', 'commercial', 'marketplace')),
  CONSTRAINT plans_benefit_period_valid CHECK (
    (benefit_kind = 'calendar_year' AND benefit_start_month <= 1) OR
    (benefit_kind = 'plan_year' AND benefit_start_month BETWEEN 1 AND 12))
);

CREATE TABLE plan_states (
  revision_id bigint NOT NULL,
  plan_id     text NOT NULL,
  ordinal     int NOT NULL,
  state       char(2) NOT NULL REFERENCES states (code),
  PRIMARY KEY (revision_id, plan_id, ordinal),
  CONSTRAINT plan_states_state_unique UNIQUE (revision_id, plan_id, state),
  FOREIGN KEY (revision_id, plan_id) REFERENCES plans (revision_id, id) ON DELETE CASCADE
);

CREATE TABLE plan_cost_sharing (
  revision_id         bigint NOT NULL,
  plan_id             text NOT NULL,
  ordinal             int NOT NULL,
  network             text NOT NULL,
  effective_from      date,
  effective_to        date,
  deductible_cents    bigint NOT NULL,
  deductible_applies  boolean NOT NULL,
  copay_cents         bigint NOT NULL,
  coinsurance_percent int NOT NULL,
  oop_max_cents       bigint,
  balance_billing     boolean NOT NULL DEFAULT false,
  note                text NOT NULL DEFAULT '',
  PRIMARY KEY (revision_id, plan_id, ordinal),
  FOREIGN KEY (revision_id, plan_id) REFERENCES plans (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT plan_cost_sharing_network_valid CHECK (network IN ('in', 'out')),
  CONSTRAINT plan_cost_sharing_effective_span CHECK (effective_from < effective_to),
  CONSTRAINT plan_cost_sharing_deductible_cents_non_negative CHECK (deductible_cents >= 0),
  CONSTRAINT plan_cost_sharing_copay_cents_non_negative CHECK (copay_cents >= 0),
  CONSTRAINT plan_cost_sharing_coinsurance_percent_0_100 CHECK (coinsurance_percent BETWEEN 0 AND 100),
  CONSTRAINT plan_cost_sharing_oop_max_cents_non_negative CHECK (oop_max_cents >= 0)
);

CREATE TABLE plan_copay_steps (
  revision_id         bigint NOT NULL,
  plan_id             text NOT NULL,
  cost_sharing_ordinal int NOT NULL,
  ordinal             int NOT NULL,
  after_visits        int NOT NULL,
  copay_cents         bigint NOT NULL,
  PRIMARY KEY (revision_id, plan_id, cost_sharing_ordinal, ordinal),
  FOREIGN KEY (revision_id, plan_id, cost_sharing_ordinal)
    REFERENCES plan_cost_sharing (revision_id, plan_id, ordinal) ON DELETE CASCADE,
  CONSTRAINT plan_copay_steps_after_visits_positive CHECK (after_visits > 0),
  CONSTRAINT plan_copay_steps_copay_cents_non_negative CHECK (copay_cents >= 0)
);

CREATE TABLE plan_notes (
  revision_id bigint NOT NULL,
  plan_id     text NOT NULL,
  ordinal     int NOT NULL,
  note        text NOT NULL,
  PRIMARY KEY (revision_id, plan_id, ordinal),
  FOREIGN KEY (revision_id, plan_id) REFERENCES plans (revision_id, id) ON DELETE CASCADE
);

CREATE TABLE plan_sources (
  revision_id bigint NOT NULL,
  plan_id     text NOT NULL,
  ordinal     int NOT NULL,
  title       text NOT NULL,
  url         text NOT NULL,
  date        date,
  PRIMARY KEY (revision_id, plan_id, ordinal),
  FOREIGN KEY (revision_id, plan_id) REFERENCES plans (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT plan_sources_title_required CHECK (btrim(title) <> ''),
  CONSTRAINT plan_sources_url_http CHECK (url ~ '^https?://[^/]+')
);

-- Conditions.

CREATE TABLE conditions (
  revision_id bigint NOT NULL REFERENCES catalog_revisions (id) ON DELETE CASCADE,
  id          text NOT NULL,
  ordinal     int NOT NULL,
  name        text NOT NULL,
  evidence    text NOT NULL DEFAULT '',
  PRIMARY KEY (revision_id, id),
  CONSTRAINT conditions_ordinal_unique UNIQUE (revision_id, ordinal),
  CONSTRAINT conditions_id_slug CHECK (id ~ '^[a-z][a-z0-9_-]{0,63}$'),
  CONSTRAINT conditions_name_required CHECK (btrim(name) <> '')
);

CREATE TABLE condition_icd10_codes (
  revision_id  bigint NOT NULL,
  condition_id text NOT NULL,
  ordinal      int NOT NULL,
  code         text NOT NULL,
  PRIMARY KEY (revision_id, condition_id, ordinal),
  FOREIGN KEY (revision_id, condition_id) REFERENCES conditions (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT condition_icd10_codes_code_unique UNIQUE (revision_id, code),
  CONSTRAINT condition_icd10_codes_code_format CHECK (code ~ '^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$')
);

CREATE TABLE condition_icd10_families (
  revision_id  bigint NOT NULL,
  condition_id text NOT NULL,
  ordinal      int NOT NULL,
  family       text NOT NULL,
  PRIMARY KEY (revision_id, condition_id, ordinal),
  FOREIGN KEY (revision_id, condition_id) REFERENCES conditions (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT condition_icd10_families_family_unique UNIQUE (revision_id, family),
  CONSTRAINT condition_icd10_families_family_format CHECK (family ~ '^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$')
);

-- replaced_by is a text[]: an ordered list of codes owned by one retired
-- code, never queried on its own.
CREATE TABLE condition_retired_codes (
  revision_id  bigint NOT NULL,
  condition_id text NOT NULL,
  ordinal      int NOT NULL,
  code         text NOT NULL,
  until        date NOT NULL,
  replaced_by  text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (revision_id, condition_id, ordinal),
  FOREIGN KEY (revision_id, condition_id) REFERENCES conditions (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT condition_retired_codes_code_unique UNIQUE (revision_id, code),
  CONSTRAINT condition_retired_codes_code_format CHECK (code ~ '^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$')
);

CREATE TABLE condition_sources (
  revision_id  bigint NOT NULL,
  condition_id text NOT NULL,
  ordinal      int NOT NULL,
  title        text NOT NULL,
  url          text NOT NULL,
  date         date,
  PRIMARY KEY (revision_id, condition_id, ordinal),
  FOREIGN KEY (revision_id, condition_id) REFERENCES conditions (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT condition_sources_title_required CHECK (btrim(title) <> ''),
  CONSTRAINT condition_sources_url_http CHECK (url ~ '^https?://[^/]+')
);

-- Rules.

CREATE TABLE rules (
  revision_id                    bigint NOT NULL REFERENCES catalog_revisions (id) ON DELETE CASCADE,
  id                             text NOT NULL,
  ordinal                        int NOT NULL,
  plan_id                        text NOT NULL,
  all_states                     boolean NOT NULL,
  all_conditions                 boolean NOT NULL,
  effective_from                 date,
  effective_to                   date,
  status                         text NOT NULL,
  summary                        text NOT NULL,
  discontinue_when_not_improving boolean NOT NULL DEFAULT false,
  -- NULL: not written in the catalog (which means never); kept apart from an
  -- explicit 'never' so the catalog round-trips byte for byte in its hash.
  prior_auth_required            text,
  prior_auth_after_visits        int NOT NULL DEFAULT 0,
  prior_auth_note                text NOT NULL DEFAULT '',
  referral_required              boolean NOT NULL DEFAULT false,
  electroacupuncture             boolean,
  dollar_cap_cents               bigint,
  PRIMARY KEY (revision_id, id),
  FOREIGN KEY (revision_id, plan_id) REFERENCES plans (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT rules_ordinal_unique UNIQUE (revision_id, ordinal),
  CONSTRAINT rules_id_slug CHECK (id ~ '^[a-z][a-z0-9_-]{0,63}$'),
  CONSTRAINT rules_status_valid CHECK (status IN ('covered', 'not_covered', 'conditional', 'unknown')),
  CONSTRAINT rules_summary_required CHECK (btrim(summary) <> ''),
  CONSTRAINT rules_effective_span CHECK (effective_from < effective_to),
  CONSTRAINT rules_prior_auth_required_valid CHECK (prior_auth_required IN ('never', 'always', 'after_visits')),
  CONSTRAINT rules_prior_auth_after_visits_valid CHECK (
    (coalesce(prior_auth_required, '') = 'after_visits') = (prior_auth_after_visits >= 1)
    AND prior_auth_after_visits >= 0),
  CONSTRAINT rules_dollar_cap_cents_non_negative CHECK (dollar_cap_cents >= 0),
  CONSTRAINT rules_no_limits_unless_covering CHECK (dollar_cap_cents IS NULL OR status IN ('covered', 'conditional'))
);
CREATE INDEX rules_plan ON rules (revision_id, plan_id);

CREATE TABLE rule_states (
  revision_id bigint NOT NULL,
  rule_id     text NOT NULL,
  ordinal     int NOT NULL,
  state       char(2) NOT NULL REFERENCES states (code),
  PRIMARY KEY (revision_id, rule_id, ordinal),
  CONSTRAINT rule_states_state_unique UNIQUE (revision_id, rule_id, state),
  FOREIGN KEY (revision_id, rule_id) REFERENCES rules (revision_id, id) ON DELETE CASCADE
);

CREATE TABLE rule_conditions (
  revision_id  bigint NOT NULL,
  rule_id      text NOT NULL,
  ordinal      int NOT NULL,
  condition_id text NOT NULL,
  PRIMARY KEY (revision_id, rule_id, ordinal),
  CONSTRAINT rule_conditions_condition_unique UNIQUE (revision_id, rule_id, condition_id),
  FOREIGN KEY (revision_id, rule_id) REFERENCES rules (revision_id, id) ON DELETE CASCADE,
  FOREIGN KEY (revision_id, condition_id) REFERENCES conditions (revision_id, id) ON DELETE CASCADE
);

CREATE TABLE rule_criteria (
  revision_id bigint NOT NULL,
  rule_id     text NOT NULL,
  ordinal     int NOT NULL,
  id          text NOT NULL,
  test        text NOT NULL,
  question    text NOT NULL,
  failure     text NOT NULL DEFAULT '',
  PRIMARY KEY (revision_id, rule_id, ordinal),
  CONSTRAINT rule_criteria_id_unique UNIQUE (revision_id, rule_id, id),
  FOREIGN KEY (revision_id, rule_id) REFERENCES rules (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT rule_criteria_question_required CHECK (btrim(question) <> '')
);

CREATE TABLE rule_limit_windows (
  revision_id bigint NOT NULL,
  rule_id     text NOT NULL,
  ordinal     int NOT NULL,
  period      text NOT NULL,
  days        int NOT NULL DEFAULT 0,
  visits      int NOT NULL,
  PRIMARY KEY (revision_id, rule_id, ordinal),
  CONSTRAINT rule_limit_windows_period_unique UNIQUE (revision_id, rule_id, period, days),
  FOREIGN KEY (revision_id, rule_id) REFERENCES rules (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT rule_limit_windows_period_valid CHECK (period IN ('benefit_year', 'calendar_year', 'calendar_month', 'rolling_days')),
  CONSTRAINT rule_limit_windows_days_valid CHECK (
    (period = 'rolling_days' AND days BETWEEN 1 AND 366) OR (period <> 'rolling_days' AND days = 0)),
  CONSTRAINT rule_limit_windows_visits_positive CHECK (visits >= 1)
);

CREATE TABLE rule_extensions (
  revision_id bigint NOT NULL,
  rule_id     text NOT NULL,
  ordinal     int NOT NULL,
  visits      int NOT NULL,
  requires    text NOT NULL,
  question    text NOT NULL,
  modifier    text NOT NULL DEFAULT '',
  note        text NOT NULL DEFAULT '',
  PRIMARY KEY (revision_id, rule_id, ordinal),
  FOREIGN KEY (revision_id, rule_id) REFERENCES rules (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT rule_extensions_visits_positive CHECK (visits >= 1),
  CONSTRAINT rule_extensions_question_required CHECK (btrim(question) <> '')
);

-- credentials is a text[] for the same reason as replaced_by above.
CREATE TABLE rule_providers (
  revision_id          bigint NOT NULL,
  rule_id              text NOT NULL,
  ordinal              int NOT NULL,
  type                 text NOT NULL,
  eligible             boolean NOT NULL,
  supervision_required boolean NOT NULL DEFAULT false,
  credentials          text[] NOT NULL DEFAULT '{}',
  modifier             text NOT NULL DEFAULT '',
  note                 text NOT NULL DEFAULT '',
  PRIMARY KEY (revision_id, rule_id, ordinal),
  CONSTRAINT rule_providers_type_unique UNIQUE (revision_id, rule_id, type),
  FOREIGN KEY (revision_id, rule_id) REFERENCES rules (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT rule_providers_type_valid CHECK (type IN ('physician', 'pa', 'np', 'cns', 'licensed_acupuncturist',
    'physical_therapist', 'chiropractor', 'dentist', 'podiatrist'))
);

CREATE TABLE rule_billing_cpt (
  revision_id bigint NOT NULL,
  rule_id     text NOT NULL,
  ordinal     int NOT NULL,
  code        text NOT NULL,
  PRIMARY KEY (revision_id, rule_id, ordinal),
  FOREIGN KEY (revision_id, rule_id) REFERENCES rules (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT rule_billing_cpt_code_format CHECK (code ~ '^[0-9]{4}[0-9A-Z]$')
);

CREATE TABLE rule_billing_modifiers (
  revision_id bigint NOT NULL,
  rule_id     text NOT NULL,
  ordinal     int NOT NULL,
  code        text NOT NULL,
  "when"      text NOT NULL,
  PRIMARY KEY (revision_id, rule_id, ordinal),
  FOREIGN KEY (revision_id, rule_id) REFERENCES rules (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT rule_billing_modifiers_code_format CHECK (length(code) = 2),
  CONSTRAINT rule_billing_modifiers_when_required CHECK (btrim("when") <> '')
);

CREATE TABLE rule_billing_notes (
  revision_id bigint NOT NULL,
  rule_id     text NOT NULL,
  ordinal     int NOT NULL,
  note        text NOT NULL,
  PRIMARY KEY (revision_id, rule_id, ordinal),
  FOREIGN KEY (revision_id, rule_id) REFERENCES rules (revision_id, id) ON DELETE CASCADE
);

CREATE TABLE rule_notes (
  revision_id bigint NOT NULL,
  rule_id     text NOT NULL,
  ordinal     int NOT NULL,
  note        text NOT NULL,
  PRIMARY KEY (revision_id, rule_id, ordinal),
  FOREIGN KEY (revision_id, rule_id) REFERENCES rules (revision_id, id) ON DELETE CASCADE
);

CREATE TABLE rule_sources (
  revision_id bigint NOT NULL,
  rule_id     text NOT NULL,
  ordinal     int NOT NULL,
  title       text NOT NULL,
  url         text NOT NULL,
  date        date,
  PRIMARY KEY (revision_id, rule_id, ordinal),
  FOREIGN KEY (revision_id, rule_id) REFERENCES rules (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT rule_sources_title_required CHECK (btrim(title) <> ''),
  CONSTRAINT rule_sources_url_http CHECK (url ~ '^https?://[^/]+')
);

-- Fee schedules: for one plan, or (plan NULL) for every plan of a payer.

CREATE TABLE fee_schedules (
  revision_id    bigint NOT NULL REFERENCES catalog_revisions (id) ON DELETE CASCADE,
  id             text NOT NULL,
  ordinal        int NOT NULL,
  name           text NOT NULL,
  plan_id        text,
  payer          text,
  network        text NOT NULL,
  effective_from date,
  effective_to   date,
  PRIMARY KEY (revision_id, id),
  FOREIGN KEY (revision_id, plan_id) REFERENCES plans (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT fee_schedules_ordinal_unique UNIQUE (revision_id, ordinal),
  CONSTRAINT fee_schedules_id_slug CHECK (id ~ '^[a-z][a-z0-9_-]{0,63}$'),
  CONSTRAINT fee_schedules_plan_or_payer CHECK ((plan_id IS NULL) <> (payer IS NULL)),
  CONSTRAINT fee_schedules_network_valid CHECK (network IN ('in', 'out')),
  CONSTRAINT fee_schedules_effective_span CHECK (effective_from < effective_to)
);

CREATE TABLE fee_schedule_amounts (
  revision_id     bigint NOT NULL,
  fee_schedule_id text NOT NULL,
  cpt             text NOT NULL,
  cents           bigint NOT NULL,
  PRIMARY KEY (revision_id, fee_schedule_id, cpt),
  FOREIGN KEY (revision_id, fee_schedule_id) REFERENCES fee_schedules (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT fee_schedule_amounts_cpt_format CHECK (cpt ~ '^[0-9]{4}[0-9A-Z]$'),
  CONSTRAINT fee_schedule_amounts_cents_positive CHECK (cents > 0)
);

CREATE TABLE fee_schedule_notes (
  revision_id     bigint NOT NULL,
  fee_schedule_id text NOT NULL,
  ordinal         int NOT NULL,
  note            text NOT NULL,
  PRIMARY KEY (revision_id, fee_schedule_id, ordinal),
  FOREIGN KEY (revision_id, fee_schedule_id) REFERENCES fee_schedules (revision_id, id) ON DELETE CASCADE
);

CREATE TABLE fee_schedule_sources (
  revision_id     bigint NOT NULL,
  fee_schedule_id text NOT NULL,
  ordinal         int NOT NULL,
  title           text NOT NULL,
  url             text NOT NULL,
  date            date,
  PRIMARY KEY (revision_id, fee_schedule_id, ordinal),
  FOREIGN KEY (revision_id, fee_schedule_id) REFERENCES fee_schedules (revision_id, id) ON DELETE CASCADE,
  CONSTRAINT fee_schedule_sources_title_required CHECK (btrim(title) <> ''),
  CONSTRAINT fee_schedule_sources_url_http CHECK (url ~ '^https?://[^/]+')
);

-- Cash prices: state NULL is the national default. They have no id, so the
-- ordinal is the key children refer to.

CREATE TABLE cash_prices (
  revision_id       bigint NOT NULL REFERENCES catalog_revisions (id) ON DELETE CASCADE,
  ordinal           int NOT NULL,
  state             char(2) REFERENCES states (code),
  first_visit_cents bigint NOT NULL,
  follow_up_cents   bigint NOT NULL,
  PRIMARY KEY (revision_id, ordinal),
  CONSTRAINT cash_prices_first_visit_cents_positive CHECK (first_visit_cents > 0),
  CONSTRAINT cash_prices_follow_up_cents_positive CHECK (follow_up_cents > 0)
);
-- One price per state and one national default (NULL) per revision; an
-- expression index because UNIQUE treats NULLs as distinct before PG 15.
CREATE UNIQUE INDEX cash_prices_state_unique ON cash_prices (revision_id, coalesce(state, ''));

CREATE TABLE cash_price_sources (
  revision_id        bigint NOT NULL,
  cash_price_ordinal int NOT NULL,
  ordinal            int NOT NULL,
  title              text NOT NULL,
  url                text NOT NULL,
  date               date,
  PRIMARY KEY (revision_id, cash_price_ordinal, ordinal),
  FOREIGN KEY (revision_id, cash_price_ordinal) REFERENCES cash_prices (revision_id, ordinal) ON DELETE CASCADE,
  CONSTRAINT cash_price_sources_title_required CHECK (btrim(title) <> ''),
  CONSTRAINT cash_price_sources_url_http CHECK (url ~ '^https?://[^/]+')
);
