-- Drops the clinics, their Good Faith Estimates and key scopes of 0004.
-- Audit entries about clinics and estimates are deleted with them (the
-- resource check of 0003 does not allow them).
DELETE FROM audit_log WHERE resource IN ('clinic', 'gfe');
ALTER TABLE audit_log DROP CONSTRAINT audit_log_resource_valid;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_resource_valid
  CHECK (resource IN ('plan', 'condition', 'rule', 'fee_schedule', 'cash_price', 'licensure', 'catalog', 'api_key'));
-- A clinic-scoped key would become a key for every clinic: revoke them.
UPDATE api_keys SET revoked_at = now() WHERE clinic_id IS NOT NULL AND revoked_at IS NULL;
ALTER TABLE api_keys DROP COLUMN clinic_id;
DROP TABLE gfes;
DROP TABLE clinics;
