-- A read-only role for the db plugin (the plugin also runs every query in a read-only
-- transaction; this makes the database itself refuse writes from it).
CREATE ROLE mcp_reader LOGIN PASSWORD 'reader';
GRANT CONNECT ON DATABASE mcp TO mcp_reader;
GRANT USAGE ON SCHEMA public TO mcp_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO mcp_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO mcp_reader;
ALTER ROLE mcp_reader SET default_transaction_read_only = on;
