-- What the staff's reason page reads, rolled up (issue 17, point 3; decision 0040).
--
-- With years of statistics the page read tens of thousands of daily counters for a 52-week
-- view, and for each "Other" text it listed, the day's 36 counters to see whether the day had
-- enough deletions to show its texts. Two rollups of `deletion_reason_counts`, kept by a trigger
-- in the transaction that changes a counter, whoever writes it (the housekeeping's release, the
-- demo data, the seeders, the tests):
--
-- * a counter per week (its Monday), reason, locale and role, the chart's and the table's cells;
-- * the deletions of each day, all reasons together, the texts' day threshold.
--
-- Both hold the day or the week only, like the counters: nothing finer than a day.
CREATE TABLE deletion_reason_weeks (
    week      date   NOT NULL CHECK (extract(isodow FROM week) = 1),
    reason    text   NOT NULL,
    locale    text   NOT NULL,
    role      text   NOT NULL,
    deletions bigint NOT NULL,
    PRIMARY KEY (week, reason, locale, role)
);

CREATE TABLE deletion_reason_days (
    day       date   PRIMARY KEY,
    deletions bigint NOT NULL
);

-- Adds the changes of a statement's counters (new ones, larger ones, removed ones) to both
-- rollups, once per statement: a rollup row is written once however many of its counters the
-- statement touched (the housekeeping's release and the seeders write many at once), so the
-- rollups stay as compact as the counters.
CREATE FUNCTION deletion_reason_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changes deletion_reason_counts[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(n) INTO changes FROM new_rows n;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg((c.day, c.reason, c.locale, c.role, c.deletions)::deletion_reason_counts) INTO changes
          FROM (SELECT n.day, n.reason, n.locale, n.role, n.deletions FROM new_rows n
                UNION ALL
                SELECT o.day, o.reason, o.locale, o.role, -o.deletions FROM old_rows o) c;
    ELSE
        SELECT array_agg((o.day, o.reason, o.locale, o.role, -o.deletions)::deletion_reason_counts) INTO changes
          FROM old_rows o;
    END IF;
    INSERT INTO deletion_reason_weeks AS w (week, reason, locale, role, deletions)
    SELECT date_trunc('week', c.day)::date, c.reason, c.locale, c.role, sum(c.deletions)
      FROM unnest(changes) c GROUP BY 1, 2, 3, 4
    ON CONFLICT (week, reason, locale, role) DO UPDATE SET deletions = w.deletions + excluded.deletions;
    INSERT INTO deletion_reason_days AS d (day, deletions)
    SELECT c.day, sum(c.deletions) FROM unnest(changes) c GROUP BY 1
    ON CONFLICT (day) DO UPDATE SET deletions = d.deletions + excluded.deletions;
    RETURN NULL;
END
$$;

-- A trigger with transition tables has one event (PostgreSQL's rule): three, one function.
CREATE TRIGGER deletion_reason_rollup_insert
    AFTER INSERT ON deletion_reason_counts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION deletion_reason_rollup();
CREATE TRIGGER deletion_reason_rollup_update
    AFTER UPDATE ON deletion_reason_counts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION deletion_reason_rollup();
CREATE TRIGGER deletion_reason_rollup_delete
    AFTER DELETE ON deletion_reason_counts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION deletion_reason_rollup();

INSERT INTO deletion_reason_weeks (week, reason, locale, role, deletions)
SELECT date_trunc('week', day)::date, reason, locale, role, sum(deletions)
  FROM deletion_reason_counts GROUP BY 1, 2, 3, 4;
INSERT INTO deletion_reason_days (day, deletions)
SELECT day, sum(deletions) FROM deletion_reason_counts GROUP BY day;

-- The texts of a day come in the page's order (newest day first, then by text) straight from
-- the index: the page reads the hundred it shows, not every text of the newest day. A text is
-- at most 500 characters (OTHER_TEXT_MAX), well within an index entry.
CREATE INDEX deletion_other_texts_day_text_idx ON deletion_other_texts (given_on DESC, text);
DROP INDEX deletion_other_texts_given_on_idx;
