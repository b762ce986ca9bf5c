-- Indexes for the web pages' queries on a ledger of 100,000 tasks and a
-- million progress reports (台账, 总览, 审核). Indexes only: no table or
-- column changes, so snapshots and backups are unaffected.

-- The ledger sorted by deadline, tasks without one last, in both
-- directions: `ORDER BY deadline IS NULL, deadline, id` walks the first
-- forwards, the descending order walks the second backwards.
CREATE INDEX tasks_deadline_order ON tasks ((deadline IS NULL), deadline, id);
CREATE INDEX tasks_deadline_order_desc ON tasks ((deadline IS NULL) DESC, deadline, id);
-- The deadline range filter.
CREATE INDEX tasks_deadline ON tasks (deadline);

-- The review queue: progress reports waiting for review, newest first.
CREATE INDEX progress_reports_submitted ON progress_reports (id)
    WHERE review_state = 'submitted' AND kind = 'progress';

-- Progress over time: assignments and closures by day.
CREATE INDEX audit_events_activity ON audit_events (action, at, task_id)
    WHERE entity_table = 'tasks' AND action IN ('assign', 'close');
