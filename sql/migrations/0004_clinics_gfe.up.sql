-- acucover schema, version 4: clinics, their Good Faith Estimates and
-- clinic-scoped API keys.
--
-- A clinic (internal/clinic.Clinic: name, NPI, TIN, locations, cash prices,
-- sliding scale, contracts, networks) is stored whole as JSON: acucover
-- validates it (clinic.Validate) before writing, as catalog.Validate gates
-- catalog items. The database checks what it can: the id's form, that the
-- content is an object naming the same id.
CREATE TABLE clinics (
  id         text PRIMARY KEY,
  content    jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT clinics_id_slug CHECK (id ~ '^[a-z][a-z0-9_-]{0,63}$'),
  CONSTRAINT clinics_content_object CHECK (jsonb_typeof(content) = 'object'),
  CONSTRAINT clinics_content_id CHECK (content ->> 'id' = id)
);

-- gfes holds the Good Faith Estimates acucover made. They are PHI (the
-- patient's name and date of birth, in their own columns and in the
-- document): kept only here, never logged, never in the audit log, and
-- deleted with `acucover gfe delete ID` or DELETE /v1/gfe/{id}. A clinic with
-- estimates cannot be deleted until they are. The number printed on an
-- estimate (GFE-000042) is its id, drawn before the estimate is built.
CREATE SEQUENCE gfe_numbers AS bigint;
CREATE TABLE gfes (
  id           bigint PRIMARY KEY DEFAULT nextval('gfe_numbers'),
  clinic_id    text NOT NULL REFERENCES clinics (id) ON DELETE RESTRICT,
  patient_name text NOT NULL,
  patient_dob  date NOT NULL,
  document     jsonb NOT NULL,
  total_cents  bigint NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   text NOT NULL,
  CONSTRAINT gfes_document_object CHECK (jsonb_typeof(document) = 'object'),
  CONSTRAINT gfes_total_cents_nonnegative CHECK (total_cents >= 0),
  CONSTRAINT gfes_created_by_required CHECK (btrim(created_by) <> '')
);
ALTER SEQUENCE gfe_numbers OWNED BY gfes.id;
CREATE INDEX gfes_clinic ON gfes (clinic_id, id);
CREATE INDEX gfes_created_at ON gfes (created_at);

-- A key may be scoped to one clinic: it reads and edits only that clinic and
-- its estimates. No foreign key: deleting a clinic revokes its keys (in the
-- same transaction), and revoked keys keep their rows for the audit log.
ALTER TABLE api_keys ADD COLUMN clinic_id text;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_clinic_slug CHECK (clinic_id ~ '^[a-z][a-z0-9_-]{0,63}$');

ALTER TABLE audit_log DROP CONSTRAINT audit_log_resource_valid;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_resource_valid
  CHECK (resource IN ('plan', 'condition', 'rule', 'fee_schedule', 'cash_price', 'licensure', 'catalog', 'api_key', 'clinic', 'gfe'));
