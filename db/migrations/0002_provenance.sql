-- Where each row's figures were read: NATO's own workbook ('table'), a third-party extraction of
-- NATO's table ('extraction') or press reports of the release ('press'). Rows stored before this
-- column existed were all read from NATO's tables.
ALTER TABLE figures ADD COLUMN provenance TEXT NOT NULL DEFAULT 'table'
    CHECK (provenance IN ('table', 'extraction', 'press'));
