-- The central database: every site's rows, and the daily aggregates that supervisors' reports read.
-- Applied once by `lane central migrate` (lane/central/schema.py), in one transaction, recorded in schema_migrations.

CREATE TABLE sites (
    site text PRIMARY KEY,                       -- the site's office code (site.office_code)
    role name UNIQUE NOT NULL,                   -- its database role: it writes rows of this site only
    name text NOT NULL DEFAULT '',
    timezone text NOT NULL DEFAULT 'Asia/Jakarta',
    goal_s double precision NOT NULL DEFAULT 600,  -- the 10-minute promise
    last_seq bigint NOT NULL DEFAULT 0,          -- the highest outbox seq of the site committed here
    last_push timestamptz                        -- central's clock
);

-- The site's cycles, whole (data: every column of the site's row, as the site's policy allows); keyed by the
-- site's row id. started_at and lane are copied out for the indexes.
CREATE TABLE cycles (
    site text NOT NULL,
    id bigint NOT NULL,
    lane text NOT NULL,
    started_at timestamptz NOT NULL,
    seq bigint NOT NULL,                         -- the outbox seq of the version held
    data jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, id)
);
CREATE INDEX cycles_site_started ON cycles (site, started_at);

-- Every other table the site pushes (events, device_events, operator_actions, notices, cards, queue_events),
-- keyed by (site, table, row id). json, not jsonb: written many times more than read, and kept as sent.
CREATE TABLE site_rows (
    site text NOT NULL,
    tbl text NOT NULL,
    id bigint NOT NULL,
    lane text,
    at timestamptz,
    cycle_id bigint,
    seq bigint NOT NULL,
    data json NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, tbl, id)
);
CREATE INDEX site_rows_at ON site_rows (site, tbl, at);

-- What a cycle counts for, from a few named fields: the one place the report's definitions live.
-- service = the lane's cycle time (duration), wait = time in the queue before the lane (NULL: none measured),
-- total = wait + service; goal met = a completed renewal whose total is under the site's goal.
-- daypart in site time: pagi (before 11), siang (11 to 14), sore (from 14).
CREATE VIEW cycle_facts WITH (security_invoker = true) AS
SELECT c.site, c.id, c.lane,
       (c.started_at AT TIME ZONE s.timezone)::date AS day,
       CASE WHEN extract(hour FROM c.started_at AT TIME ZONE s.timezone) < 11 THEN 'pagi'
            WHEN extract(hour FROM c.started_at AT TIME ZONE s.timezone) < 14 THEN 'siang'
            ELSE 'sore' END AS daypart,
       coalesce(c.data->>'outcome', 'open') AS outcome,
       coalesce(nullif(c.data->>'reason', ''), '(none)') AS reason,
       (c.data->>'duration')::double precision AS service,
       (c.data->>'wait')::double precision AS wait,
       coalesce((c.data->>'wait')::double precision, 0) + (c.data->>'duration')::double precision AS total,
       s.goal_s
FROM cycles c JOIN sites s USING (site);

-- Per site, lane, site-time day and daypart: volumes by outcome; of the completed renewals, how many met the goal
-- and the sums of their times (means: sum / completed; wait: over n_wait).
CREATE TABLE daily (
    site text NOT NULL,
    lane text NOT NULL,
    day date NOT NULL,
    daypart text NOT NULL,
    completed bigint NOT NULL DEFAULT 0,
    rejected bigint NOT NULL DEFAULT 0,
    aborted bigint NOT NULL DEFAULT 0,
    abandoned bigint NOT NULL DEFAULT 0,
    open bigint NOT NULL DEFAULT 0,
    goal_met bigint NOT NULL DEFAULT 0,
    sum_total double precision NOT NULL DEFAULT 0,
    sum_service double precision NOT NULL DEFAULT 0,
    sum_wait double precision NOT NULL DEFAULT 0,
    n_wait bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (site, day, lane, daypart)
);
CREATE INDEX daily_day ON daily (day);

-- Histograms of the completed renewals' total time, in 5-second bins (bin = floor(total / 5), the last, 1440, for
-- two hours and more): per site and day, and the same per site and month, so that a year reads 12 months a site.
CREATE TABLE hist_day (
    site text NOT NULL,
    day date NOT NULL,
    bin smallint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (site, day, bin)
);
CREATE INDEX hist_day_day ON hist_day (day);
CREATE TABLE hist_month (
    site text NOT NULL,
    month date NOT NULL,                         -- the first day of the month
    bin smallint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (site, month, bin)
);
CREATE INDEX hist_month_month ON hist_month (month);

-- Reasons of the rejected, aborted and abandoned cycles, per site, lane and day.
CREATE TABLE daily_reasons (
    site text NOT NULL,
    lane text NOT NULL,
    day date NOT NULL,
    outcome text NOT NULL,
    reason text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (site, day, lane, outcome, reason)
);

-- Device faults and bad health reports, per site, lane, day, device and cause (as lane report counts them).
CREATE TABLE daily_faults (
    site text NOT NULL,
    lane text NOT NULL,
    day date NOT NULL,
    device text NOT NULL,
    kind text NOT NULL,                          -- 'fault' or the health reported
    cause text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (site, day, lane, device, kind, cause)
);
