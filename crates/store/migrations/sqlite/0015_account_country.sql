-- accounts.country: the ISO 3166 country phone numbers written in national form are read
-- in (CSV import, dashboard forms, SCIM). NULL: the country of the default time zone.
ALTER TABLE accounts ADD COLUMN country TEXT;
