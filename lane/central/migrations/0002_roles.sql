-- Who may do what. Each site logs in as its own role (made by `lane central add-site`, a member of central_site):
-- it may insert and update rows of its own site only (row-level security on every table it writes).
-- central_supervisor reads everything and writes nothing.

DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'central_site') THEN CREATE ROLE central_site NOLOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'central_supervisor') THEN
        CREATE ROLE central_supervisor LOGIN;
    END IF;
END $$;

-- The site of the role connected (NULL for any other role): a site role sees its own row of sites only.
CREATE FUNCTION my_site() RETURNS text LANGUAGE sql STABLE SET search_path = public
AS $$ SELECT site FROM sites WHERE role = current_user $$;

GRANT USAGE ON SCHEMA public TO central_site, central_supervisor;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO central_supervisor;
GRANT SELECT ON sites, cycle_facts TO central_site;
GRANT UPDATE (last_seq, last_push) ON sites TO central_site;
GRANT SELECT, INSERT, UPDATE ON cycles, site_rows, daily, hist_day, hist_month, daily_reasons, daily_faults
    TO central_site;

DO $$ DECLARE t text; BEGIN
    ALTER TABLE sites ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own_site ON sites TO central_site USING (role = current_user) WITH CHECK (role = current_user);
    CREATE POLICY read_all ON sites FOR SELECT TO central_supervisor USING (true);
    FOREACH t IN ARRAY ARRAY['cycles', 'site_rows', 'daily', 'hist_day', 'hist_month', 'daily_reasons',
                             'daily_faults'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY own_site ON %I TO central_site USING (site = (SELECT my_site())) '
                       'WITH CHECK (site = (SELECT my_site()))', t);
        EXECUTE format('CREATE POLICY read_all ON %I FOR SELECT TO central_supervisor USING (true)', t);
    END LOOP;
END $$;
