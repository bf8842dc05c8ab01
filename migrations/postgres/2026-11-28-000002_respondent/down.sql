DROP TABLE response_texts;
DROP TABLE unit_links;
DROP TABLE drafts;
