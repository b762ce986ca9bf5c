-- The new date (整改/重新办结期限) a returned completion request must be
-- done by. A return (退回) may carry one; the warning rules raise a card
-- when the task is still not requested for completion again after it.
--
-- A new audited table rather than a column on tasks or progress_reports:
-- `audit verify` compares each current row's canonical snapshot with the
-- trail, so a new column on an audited table would make every existing row
-- look altered. Rows are never changed: a later return with another date
-- is a new row.
CREATE TABLE return_dates (
    id          INTEGER PRIMARY KEY,
    version     INTEGER NOT NULL,
    task_id     INTEGER NOT NULL REFERENCES tasks (id),
    -- The completion report that was returned (NULL when none was pending).
    report_id   INTEGER REFERENCES progress_reports (id),
    -- ISO day by which the task is to be requested for completion again.
    new_date    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL
) STRICT;
CREATE INDEX return_dates_task ON return_dates (task_id, id);
