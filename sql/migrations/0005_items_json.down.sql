-- Undoes version 5: catalog_items.content becomes jsonb again (jsonb
-- renders each item's JSON its own way; the items read back the same).
ALTER TABLE catalog_items DROP CONSTRAINT catalog_items_content_object;
ALTER TABLE catalog_items ALTER COLUMN content TYPE jsonb USING content::jsonb;
ALTER TABLE catalog_items ADD CONSTRAINT catalog_items_content_object CHECK (jsonb_typeof(content) = 'object');
