-- acucover schema, version 5: catalog items store the text that was hashed.
--
-- catalog_items.content becomes json instead of jsonb. json checks that its
-- input is JSON and stores the text as given, so an item's stored content is
-- exactly the canonical JSON acucover hashed, and
-- hash = sha256(kind || '\x00' || content) holds for every item written from
-- this version on; it also costs the server less to take in than jsonb's
-- decomposition. Items converted here from jsonb keep jsonb's rendering of
-- their content (the same JSON value, not the same bytes), so for them the
-- equation does not hold; their hash is still that of their canonical JSON,
-- and they read back to the same item. The content is still required and
-- still checked to be a JSON object.
ALTER TABLE catalog_items DROP CONSTRAINT catalog_items_content_object;
ALTER TABLE catalog_items ALTER COLUMN content TYPE json USING content::json;
ALTER TABLE catalog_items ADD CONSTRAINT catalog_items_content_object CHECK (json_typeof(content) = 'object');
