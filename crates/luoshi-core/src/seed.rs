//! `dev seed`: a realistic ledger of any size, for development and for the
//! benchmarks. A development facility, not an operation of the ledger: it
//! refuses a database that already holds anything.
//!
//! It writes a unit hierarchy (province → departments and cities →
//! offices), documents with their meetings, themes and tasks with plausible
//! Chinese titles, assignments (lead, co-units, owner, deadlines spread over
//! the past and the future, so some are overdue), statuses across the life
//! cycle, and monthly progress reports spread over the tasks that have
//! started. Everything follows from the plan and its seed.
//!
//! It goes through the audit trail like any write: each row gets one
//! creation event (action `seed`) in the same transaction, hash-chained
//! after the events before it, so `verify` passes on the result. For speed
//! it inserts many rows per statement and takes the snapshots from the
//! values it inserts instead of reading each row back, in a few large
//! transactions.

use crate::audit::{CO_UNITS, DOCUMENTS, MEETINGS, REPORTS, TASKS, UNITS, Writer};
use crate::db::{Arg, Engine};
use crate::error::StoreError;
use crate::store::Store;
use crate::value::{Date, PersonName};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedPlan {
    /// Units, the province included (at least 1).
    pub units: u64,
    /// Rows of the task tree, themes included.
    pub tasks: u64,
    /// Progress reports, completion reports included.
    pub reports: u64,
    /// The same seed gives the same ledger.
    pub seed: u64,
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeedSummary {
    pub units: u64,
    pub documents: u64,
    pub tasks: u64,
    pub co_units: u64,
    pub reports: u64,
    pub events: u64,
}

/// The audit action of a seeded row.
pub const SEED_ACTION: &str = "seed";

/// Rows per transaction for the progress reports.
const REPORTS_PER_TX: usize = 250_000;

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).unwrap_or(1).max(1);
        lo + i64::try_from(self.next() % span).unwrap_or(0)
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const PROVINCE: &str = "江华省人民政府";

const DEPARTMENTS: &[&str] = &[
    "省发展和改革委员会",
    "省教育厅",
    "省科学技术厅",
    "省工业和信息化厅",
    "省公安厅",
    "省民政厅",
    "省司法厅",
    "省财政厅",
    "省人力资源和社会保障厅",
    "省自然资源厅",
    "省生态环境厅",
    "省住房和城乡建设厅",
    "省交通运输厅",
    "省水利厅",
    "省农业农村厅",
    "省商务厅",
    "省文化和旅游厅",
    "省卫生健康委员会",
    "省退役军人事务厅",
    "省应急管理厅",
    "省审计厅",
    "省市场监督管理局",
    "省广播电视局",
    "省体育局",
    "省统计局",
    "省医疗保障局",
    "省地方金融管理局",
    "省机关事务管理局",
    "省林业局",
    "省粮食和物资储备局",
    "省能源局",
    "省乡村振兴局",
    "省数据局",
    "省信访局",
    "省国有资产监督管理委员会",
    "省外事办公室",
    "省政府研究室",
    "省药品监督管理局",
    "省知识产权局",
    "省营商环境建设局",
    "江城市人民政府",
    "南屏市人民政府",
    "临川市人民政府",
    "青石市人民政府",
    "云岭市人民政府",
    "安溪市人民政府",
    "东湖市人民政府",
    "北塘市人民政府",
    "西陵市人民政府",
    "河阳市人民政府",
    "望海市人民政府",
    "枫桥市人民政府",
];

const OFFICES: &[&str] = &[
    "办公室",
    "政策法规处",
    "发展规划处",
    "财务处",
    "人事处",
    "综合处",
    "督查处",
    "监督检查处",
    "科技处",
    "信息化处",
    "安全生产处",
    "项目管理处",
    "政务服务处",
    "改革处",
    "宣传处",
    "统计处",
    "行政审批处",
    "产业发展处",
    "基层工作处",
    "法制处",
    "调研处",
    "协调处",
    "资金管理处",
    "标准化处",
    "应急处",
];

const ROUNDS: &[&str] = &[
    "", "第二", "第三", "第四", "第五", "第六", "第七", "第八", "第九", "第十",
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "晓东", "文博", "思远", "丽华",
    "国庆",
];

const MEETINGS_KINDS: &[&str] = &[
    "省委常委会会议",
    "省政府常务会议",
    "省委全面深化改革委员会会议",
    "全省经济工作会议",
    "全省优化营商环境推进会",
    "省委农村工作会议",
    "全省安全生产电视电话会议",
    "省委财经委员会会议",
];

const VERBS: &[&str] = &[
    "加快", "推动", "深化", "强化", "完善", "健全", "落实", "推进", "提升", "优化", "加强", "统筹",
];

const FIELDS: &[&str] = &[
    "制造业",
    "乡村振兴",
    "营商环境",
    "生态环境保护",
    "科技创新",
    "基层治理",
    "安全生产",
    "民生保障",
    "数字经济",
    "对外开放",
    "教育",
    "医疗卫生",
    "城市更新",
    "文化旅游",
    "稳就业",
    "防汛抗旱",
    "国资国企",
    "财政金融",
    "粮食安全",
    "交通基础设施",
];

const OBJECTS: &[&str] = &[
    "高质量发展",
    "体制机制改革",
    "重点项目建设",
    "专项整治",
    "政策落地见效",
    "监管体系建设",
    "公共服务能力",
    "风险防范化解",
    "示范区创建",
    "工作责任制",
    "数字化转型",
    "人才队伍建设",
];

const THEME_HEADS: &[&str] = &["聚焦", "围绕", "着力", "坚持", "扎实推进", "全力抓好"];

const CLAUSES: &[&str] = &[
    "确保各项措施落地见效",
    "形成一批可复制可推广的经验",
    "切实解决群众急难愁盼问题",
    "年底前取得阶段性成效",
    "压实各级各部门责任",
    "建立健全长效机制",
];

const DONE: &[&str] = &[
    "召开专题推进会，细化任务分工",
    "完成实地调研，形成调研报告",
    "出台实施方案并印发执行",
    "完成年度目标任务的阶段性进度",
    "开展专项督导检查，发现问题已整改",
    "组织业务培训，覆盖全部基层单位",
    "推进重点项目开工建设",
    "建立工作台账，实行周调度",
];

const NEXT: &[&str] = &[
    "继续加大推进力度，按期完成任务",
    "加强部门协同，解决跨部门问题",
    "开展“回头看”，巩固整改成果",
    "总结经验做法，形成制度成果",
    "加快资金拨付，保障项目进度",
];

const PROBLEMS: &[&str] = &[
    "资金到位滞后，影响项目进度",
    "部门之间协调机制尚不健全",
    "基层人员力量不足",
    "配套政策尚未出台",
];

const EVIDENCE: &[&str] = &[
    "验收报告、现场照片及有关文件",
    "印发文件及落实情况说明",
    "项目竣工验收材料",
];

/// One task as the report phase needs it.
#[derive(Clone, Copy)]
struct Started {
    id: i64,
    lead: i64,
    co: Option<i64>,
    /// 0: in progress or suspended, 1: completion requested, 2: closed.
    end: u8,
    reports: u32,
}

fn i(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn person(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

/// The name of unit `index` (0 is the province) and its parent's index.
fn unit_name(index: usize) -> (String, Option<usize>) {
    if index == 0 {
        return (PROVINCE.to_owned(), None);
    }
    let second = DEPARTMENTS.len();
    if index <= second {
        return (DEPARTMENTS[index - 1].to_owned(), Some(0));
    }
    let k = index - second - 1;
    let parent = k % second;
    let office = (k / second) % OFFICES.len();
    let round = k / (second * OFFICES.len());
    let prefix = ROUNDS
        .get(round)
        .map_or_else(|| format!("第{}", round + 1), |r| (*r).to_owned());
    (
        format!("{}{prefix}{}", DEPARTMENTS[parent], OFFICES[office]),
        Some(parent + 1),
    )
}

fn task_title(rng: &mut Rng) -> String {
    format!(
        "{}{}{}",
        rng.pick(VERBS),
        rng.pick(FIELDS),
        rng.pick(OBJECTS)
    )
}

/// The day `months` months before (negative: after) the month of `day`, on the 25th.
fn month_back(day: Date, months: i64) -> Date {
    let index = day.year() * 12 + (day.month() - 1) - months;
    Date::from_ymd(index.div_euclid(12), index.rem_euclid(12) + 1, 25).unwrap_or(day)
}

fn millis_of(day: Date) -> i64 {
    // 10:00 Beijing time.
    day.days_since_epoch() * 86_400_000 + 2 * 3_600_000
}

impl Store {
    /// Fills an empty ledger with generated data (see the module
    /// documentation). Refuses a database that holds any audit event.
    pub async fn seed(
        &self,
        actor: &PersonName,
        plan: &SeedPlan,
    ) -> Result<SeedSummary, StoreError> {
        let pool = self.pool();
        let now = self.clock().now();
        let today = self.clock().today();
        let mut rng = Rng(plan.seed ^ 0x6c75_6f73_6869);
        let mut summary = SeedSummary::default();

        let mut w = Writer::begin(pool, actor, now).await?;
        let existing =
            w.tx.fetch_optional("SELECT COUNT(*) AS n FROM audit_events", vec![])
                .await?
                .map(|r| r.int("n"))
                .transpose()?
                .unwrap_or(0);
        if existing > 0 {
            return Err(StoreError::other(
                "生成演示数据",
                "数据库中已有数据：dev seed 只能用于空数据库。",
            ));
        }
        if w.tx.engine() == Engine::Sqlite {
            // A larger page cache keeps the indexes of the bulk load in memory.
            w.tx.execute("PRAGMA cache_size = -262144", vec![]).await?;
        }

        // Units: the province, departments and cities, offices under them.
        let n_units = usize::try_from(plan.units.max(1)).unwrap_or(1);
        let mut rows = Vec::with_capacity(n_units);
        for index in 0..n_units {
            let (name, parent) = unit_name(index);
            rows.push(vec![
                Arg::from(i(index + 1)),
                Arg::from(1i64),
                Arg::from(name),
                Arg::from(parent.map(|p| i(p + 1))),
                Arg::from(now.millis() - 400 * 86_400_000),
            ]);
        }
        summary.units = u64::try_from(rows.len()).unwrap_or(0);
        w.insert_recorded(&UNITS, SEED_ACTION, rows, |_| None)
            .await?;

        // Documents and meetings: one meeting for about fifty tasks.
        let n_tasks = usize::try_from(plan.tasks).unwrap_or(0);
        let n_docs = if n_tasks == 0 {
            0
        } else {
            n_tasks.div_ceil(50)
        };
        let mut docs = Vec::with_capacity(n_docs);
        let mut meetings = Vec::with_capacity(n_docs);
        let mut task_rows = Vec::with_capacity(n_tasks);
        let mut co_rows = Vec::new();
        let mut started: Vec<Started> = Vec::new();
        let mut task_id = 0i64;
        for d in 0..n_docs {
            let id = i(d + 1);
            let held = today.add_days(-rng.range(30, 730)).unwrap_or(today);
            let kind = rng.pick(MEETINGS_KINDS);
            let first = d * n_tasks / n_docs;
            let last = (d + 1) * n_tasks / n_docs;
            let created = millis_of(held) + 86_400_000;
            // The source is the directives one per line; spans point into it.
            let mut source = format!("{held}，{kind}召开。会议强调：\n");
            let mut offset = source.chars().count();
            let mut theme: Option<i64> = None;
            for (ordinal, _) in (1i64..).zip(first..last) {
                task_id += 1;
                let is_theme = (ordinal - 1) % 8 == 0;
                let title = if is_theme {
                    format!("{}{}", rng.pick(THEME_HEADS), task_title(&mut rng))
                } else {
                    task_title(&mut rng)
                };
                let text = format!("要{title}，{}。", rng.pick(CLAUSES));
                let len = text.chars().count();
                source.push_str(&text);
                source.push('\n');
                let span = (i(offset), i(offset + len));
                offset += len + 1;
                let parent = if is_theme {
                    theme = Some(task_id);
                    None
                } else {
                    theme
                };
                // Themes stay drafts; tasks spread over the life cycle.
                let roll = if is_theme { 0 } else { rng.below(100) };
                let (status, from, end) = match roll {
                    0..5 => ("draft", None, None),
                    5..20 => ("assigned", None, None),
                    20..62 => ("in_progress", None, Some(0)),
                    62..70 => ("completion_requested", None, Some(1)),
                    70..93 => ("closed", None, Some(2)),
                    93..96 => ("suspended", Some("in_progress"), Some(0)),
                    _ => ("suspended", Some("assigned"), None),
                };
                let (lead, owner, deadline) = if status == "draft" {
                    (None, None, None)
                } else {
                    let lead =
                        i(1 + rng.below(n_units.saturating_sub(1).max(1)) + 1).min(i(n_units));
                    let deadline = today.add_days(rng.range(-240, 365)).unwrap_or(today);
                    (
                        Some(lead),
                        Some(person(&mut rng)),
                        Some(deadline.to_string()),
                    )
                };
                let mut co_unit = None;
                if let Some(lead) = lead
                    && n_units > 2
                {
                    let wanted = [0, 1, 1, 2, 2, 3][rng.below(6)];
                    let mut chosen: Vec<i64> = Vec::new();
                    for _ in 0..wanted {
                        let u = i(2 + rng.below(n_units - 1)).min(i(n_units));
                        if u != lead && !chosen.contains(&u) {
                            chosen.push(u);
                        }
                    }
                    for u in &chosen {
                        co_rows.push(vec![
                            Arg::from(i(co_rows.len() + 1)),
                            Arg::from(1i64),
                            Arg::from(task_id),
                            Arg::from(*u),
                            Arg::from("active"),
                        ]);
                    }
                    co_unit = chosen.first().copied();
                }
                if let (Some(end), Some(lead)) = (end, lead) {
                    started.push(Started {
                        id: task_id,
                        lead,
                        co: co_unit,
                        end,
                        reports: 0,
                    });
                }
                task_rows.push(vec![
                    Arg::from(task_id),
                    Arg::from(1i64),
                    Arg::from(id),
                    Arg::from(parent),
                    Arg::from(ordinal),
                    Arg::from(format!("t{ordinal}")),
                    Arg::from(if is_theme { "theme" } else { "task" }),
                    Arg::from("要"),
                    Arg::from(title),
                    Arg::from(text),
                    Arg::from(span.0),
                    Arg::from(span.1),
                    Arg::Text(None),
                    Arg::from(status),
                    Arg::from(from),
                    Arg::from(lead),
                    Arg::from(owner),
                    Arg::from(deadline),
                    Arg::from(created),
                    Arg::from(now.millis()),
                ]);
            }
            docs.push(vec![
                Arg::from(id),
                Arg::from(1i64),
                Arg::from(format!("{held}{kind}通稿.txt")),
                Arg::from("text"),
                Arg::from("UTF-8"),
                Arg::from("simplified"),
                Arg::from(source),
                Arg::from(r#"{"generated_by":"luoshi dev seed"}"#),
                Arg::from(created),
                Arg::from(person(&mut rng)),
            ]);
            meetings.push(vec![
                Arg::from(id),
                Arg::from(1i64),
                Arg::from(id),
                Arg::from(kind),
                Arg::from(held.to_string()),
                Arg::from(kind),
                Arg::from(person(&mut rng)),
            ]);
        }
        summary.documents = u64::try_from(docs.len()).unwrap_or(0);
        summary.tasks = u64::try_from(task_rows.len()).unwrap_or(0);
        summary.co_units = u64::try_from(co_rows.len()).unwrap_or(0);
        w.insert_recorded(&DOCUMENTS, SEED_ACTION, docs, |_| None)
            .await?;
        w.insert_recorded(&MEETINGS, SEED_ACTION, meetings, |_| None)
            .await?;
        w.insert_recorded(&TASKS, SEED_ACTION, task_rows, |r| match r.first() {
            Some(Arg::Int(id)) => *id,
            _ => None,
        })
        .await?;
        w.insert_recorded(&CO_UNITS, SEED_ACTION, co_rows, |r| match r.get(2) {
            Some(Arg::Int(id)) => *id,
            _ => None,
        })
        .await?;

        // Reports: as many per started task as the plan allows, jittered in
        // pairs so the total stays exact, one a month up to this month.
        let n_reports = usize::try_from(plan.reports).unwrap_or(0);
        if !started.is_empty() {
            let base = n_reports / started.len();
            let rest = n_reports % started.len();
            for (k, s) in started.iter_mut().enumerate() {
                s.reports = u32::try_from(base + usize::from(k < rest)).unwrap_or(0);
            }
            for pair in started.chunks_mut(2) {
                if let [a, b] = pair {
                    let j = u32::try_from(rng.below(base / 2 + 1)).unwrap_or(0);
                    let j = j.min(b.reports.saturating_sub(1));
                    a.reports += j;
                    b.reports -= j;
                }
            }
        }
        // Month-major order, as units file them: month by month, every task.
        let mut order: Vec<(u32, u32, u32)> = Vec::with_capacity(n_reports);
        for (t, s) in started.iter().enumerate() {
            for k in 0..s.reports {
                let back = s.reports - 1 - k;
                order.push((u32::MAX - back, u32::try_from(t).unwrap_or(0), k));
            }
        }
        order.sort_unstable();
        let mut report_id = 0i64;
        let mut pending = Vec::with_capacity(REPORTS_PER_TX.min(n_reports));
        for (month, t, k) in order {
            let s = started[usize::try_from(t).unwrap_or(0)];
            let back = i64::from(u32::MAX - month);
            let day = month_back(today, back);
            let created = millis_of(day).min(now.millis());
            let is_last = k + 1 == s.reports;
            report_id += 1;
            let unit = match s.co {
                Some(co) if rng.chance(20) => co,
                _ => s.lead,
            };
            let completion = is_last && s.end > 0;
            let (kind, period, percent, evidence) = if completion {
                (
                    "completion",
                    "办结申请".to_owned(),
                    100i64,
                    Some(rng.pick(EVIDENCE)),
                )
            } else {
                let p = i64::from((k + 1) * 90 / s.reports.max(1)).min(95);
                (
                    "progress",
                    format!("{}年{}月", day.year(), day.month()),
                    p,
                    None,
                )
            };
            let (review, reviewer, reviewed_at) =
                if (completion && s.end == 1) || (!completion && is_last) {
                    ("submitted", None, None)
                } else {
                    (
                        "accepted",
                        Some(person(&mut rng)),
                        Some(created + 3 * 86_400_000),
                    )
                };
            let done = format!("{}，{}", rng.pick(DONE), rng.pick(DONE));
            pending.push(vec![
                Arg::from(report_id),
                Arg::from(1i64),
                Arg::from(s.id),
                Arg::from(unit),
                Arg::from(kind),
                Arg::from(period),
                Arg::from(done),
                Arg::from((!completion).then(|| rng.pick(NEXT))),
                Arg::from(percent),
                Arg::from(rng.chance(15).then(|| rng.pick(PROBLEMS))),
                Arg::from(evidence),
                Arg::from(review),
                Arg::Text(None),
                Arg::from(reviewer),
                Arg::from(reviewed_at),
                Arg::from(person(&mut rng)),
                Arg::from(created),
            ]);
            if pending.len() == REPORTS_PER_TX {
                let batch = std::mem::take(&mut pending);
                summary.reports += u64::try_from(batch.len()).unwrap_or(0);
                w.insert_recorded(&REPORTS, SEED_ACTION, batch, |r| match r.get(2) {
                    Some(Arg::Int(id)) => *id,
                    _ => None,
                })
                .await?;
                w.commit().await?;
                w = Writer::begin(pool, actor, now).await?;
            }
        }
        summary.reports += u64::try_from(pending.len()).unwrap_or(0);
        w.insert_recorded(&REPORTS, SEED_ACTION, pending, |r| match r.get(2) {
            Some(Arg::Int(id)) => *id,
            _ => None,
        })
        .await?;
        if w.tx.engine() == Engine::Postgres {
            // Explicit ids do not move PostgreSQL's identity sequences.
            for table in [
                "documents",
                "meetings",
                "units",
                "tasks",
                "task_co_units",
                "progress_reports",
            ] {
                w.tx.execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table} HAVING MAX(id) IS NOT NULL"
                    ),
                    vec![],
                )
                .await?;
            }
        }
        // Planner statistics, as a long-running database would have them.
        if w.tx.engine() == Engine::Sqlite {
            w.tx.execute("PRAGMA analysis_limit = 1000", vec![]).await?;
        }
        w.tx.execute("ANALYZE", vec![]).await?;
        w.commit().await?;
        summary.events = summary.units
            + 2 * summary.documents
            + summary.tasks
            + summary.co_units
            + summary.reports;
        Ok(summary)
    }
}
