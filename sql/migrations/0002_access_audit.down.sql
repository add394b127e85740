-- Drops the API keys and the audit log of 0002.
DROP TABLE audit_log;
DROP TABLE api_keys;
