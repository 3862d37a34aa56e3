-- The weekly counters summed over locale and role: what the staff's reason page reads when
-- both of its filters are "all", its default view (issue 17, point 3; decision 0041).
--
-- With three years of statistics the 52-week view read 3,744 rows of `deletion_reason_weeks`
-- (a row per week, reason, locale and role) and summed them into 936 cells: 2 ms of the
-- database's time per page view, most of the page's extra time over an empty database. This
-- rollup holds those cells already summed, kept by the same trigger in the same transaction.
-- Like the other rollups it holds the week only.
CREATE TABLE deletion_reason_week_totals (
    week      date   NOT NULL CHECK (extract(isodow FROM week) = 1),
    reason    text   NOT NULL,
    deletions bigint NOT NULL,
    PRIMARY KEY (week, reason)
);

CREATE OR REPLACE FUNCTION deletion_reason_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
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
    INSERT INTO deletion_reason_week_totals AS t (week, reason, deletions)
    SELECT date_trunc('week', c.day)::date, c.reason, sum(c.deletions)
      FROM unnest(changes) c GROUP BY 1, 2
    ON CONFLICT (week, reason) DO UPDATE SET deletions = t.deletions + excluded.deletions;
    INSERT INTO deletion_reason_days AS d (day, deletions)
    SELECT c.day, sum(c.deletions) FROM unnest(changes) c GROUP BY 1
    ON CONFLICT (day) DO UPDATE SET deletions = d.deletions + excluded.deletions;
    RETURN NULL;
END
$$;

INSERT INTO deletion_reason_week_totals (week, reason, deletions)
SELECT week, reason, sum(deletions) FROM deletion_reason_weeks GROUP BY 1, 2;
