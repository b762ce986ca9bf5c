//! The 新建 (ingest) pages over HTTP, as a browser without JavaScript uses
//! them: multipart forms with the CSRF token as a field, the review kept in
//! the form, each edit a post, confirm storing through the ledger; uploads
//! of .docx and .html; the Excel import job and its progress page; who may
//! use them.

#![allow(clippy::unwrap_used)]

mod helpers;

use std::io::Write as _;

use helpers::visitor::{File, Page, Visitor};
use helpers::{COMMUNIQUE, Engine, TestServer};
use luoshi_core::{DocumentId, Role, TaskId, TaskKind, xlsx};
use reqwest::StatusCode;
use serde_json::Value;

/// The review's draft (the hidden JSON the form carries).
fn draft(p: &Page) -> String {
    p.field("draft")
}

fn draft_json(p: &Page) -> Value {
    serde_json::from_str(&draft(p)).unwrap()
}

/// One edit of the review: the draft of `page`, its token, `fields`.
async fn edit(v: &mut Visitor<'_>, page: &Page, fields: &[(&str, &str)]) -> Page {
    let (csrf, kept) = (page.csrf(), draft(page));
    let mut all = vec![("csrf", csrf.as_str()), ("draft", kept.as_str())];
    all.extend_from_slice(fields);
    v.multipart("/ingest/review", &all, &[]).await
}

fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
        .collect();
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    );
    let types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in [
        ("[Content_Types].xml", types.as_bytes()),
        ("word/document.xml", xml.as_bytes()),
    ] {
        w.start_file(name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The tasks of a document through the API: `(id, parent, kind, title)`.
async fn tasks_of(s: &TestServer, document: &str) -> Vec<(i64, Option<i64>, String, String)> {
    let body = s
        .ok_get(&format!("/api/v1/tasks?document={document}&limit=200"))
        .await;
    body["items"]
        .as_array()
        .or_else(|| body["tasks"].as_array())
        .unwrap_or_else(|| panic!("a list of tasks: {body}"))
        .iter()
        .map(|t| {
            (
                t["id"].as_i64().unwrap(),
                t["parent"].as_i64(),
                t["kind"].as_str().unwrap().to_owned(),
                t["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn document_of(location: &str) -> String {
    let rest = location
        .strip_prefix("/ledger?document=")
        .unwrap_or_else(|| panic!("sent to the ledger of the document: {location}"));
    assert!(rest.ends_with("&done=ingested"), "{location}");
    rest.trim_end_matches("&done=ingested").to_owned()
}

async fn paste_review_every_edit_and_confirm(engine: Engine) {
    let s = TestServer::start(engine).await;
    let mut v = Visitor::new(&s);
    v.login_as("office").await;

    let p = v.get("/ingest").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.html.contains("enctype=\"multipart/form-data\""));
    assert!(
        p.html.contains("aria-current=\"page\">新建"),
        "the navigation marks the page"
    );
    let csrf = p.csrf();

    // Pasted text comes with CRLF line breaks, as a browser sends a text area.
    let pasted = COMMUNIQUE.replacen("会议强调", "\r\n会议强调", 1);
    let p = v
        .multipart(
            "/ingest",
            &[("csrf", &csrf), ("text", &pasted), ("name", "")],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("核对提取结果"));
    assert!(
        p.html.contains("id=\"src-t1\""),
        "each task's sentence is a link target"
    );
    assert!(p.html.contains("data-t=\"t1\""));
    assert!(p.html.contains("src=\"/static/ingest.js\""));
    let tree = draft_json(&p);
    assert!(
        !tree["source"].as_str().unwrap().contains('\r'),
        "CRLF folded"
    );
    let titles: Vec<&str> = tree["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "打造科技创新高地",
            "推动产业升级",
            "强化要素保障",
            "加强水利建设"
        ]
    );

    // Rename.
    let p = edit(
        &mut v,
        &p,
        &[("title.t2", "推动产业转型升级"), ("op", "save")],
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("修改已保存"));
    assert!(p.html.contains("value=\"推动产业转型升级\""));
    // Drop a false task; it is listed apart and can come back.
    let p = edit(&mut v, &p, &[("op", "drop:t3")]).await;
    assert!(p.html.contains("已删除该任务"));
    assert!(p.html.contains("<s>强化要素保障</s>"));
    assert!(!p.html.contains("name=\"title.t3\""));
    // Add a missed one, found in the source by its text (no script).
    let p = edit(
        &mut v,
        &p,
        &[
            ("add_text", "加快建设实验室体系。"),
            ("add_parent", "t1"),
            ("op", "add"),
        ],
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("value=\"加快建设实验室体系\""));
    // Text that is not in the source is refused, the draft unchanged.
    let refused = edit(&mut v, &p, &[("add_text", "不存在的句子"), ("op", "add")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("在原文中找不到这段文字"));
    assert_eq!(draft(&refused), draft(&p));
    // Move the last task under the theme.
    let p = edit(&mut v, &p, &[("parent.t4", "t1"), ("op", "save")]).await;
    assert!(p.html.contains("<option value=\"t1\" selected>"));
    // Split it where the title carries the mark.
    let p = edit(
        &mut v,
        &p,
        &[
            ("title.t4", "加强水利建设|完成病险水库除险加固"),
            ("op", "split:t4"),
        ],
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("已拆分为两条任务"));
    let no_mark = edit(&mut v, &p, &[("op", "split:t2")]).await;
    assert_eq!(no_mark.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_mark.html.contains("请先在标题中要拆开的位置输入"));
    // Merge the added task with the renamed one.
    let added = draft_json(&p)["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == "加快建设实验室体系")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = edit(
        &mut v,
        &p,
        &[("sel", &added), ("sel", "t2"), ("op", "merge")],
    )
    .await;
    assert!(p.html.contains("已合并所选任务"), "{}", p.html);
    // A bad meeting date is refused with what to write.
    let bad = edit(&mut v, &p, &[("m_date", "3月5日"), ("op", "save")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("2026-03-05"));

    let p = edit(&mut v, &p, &[("m_chair", "张三"), ("op", "confirm")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let document = document_of(&p.location);
    let ledger = v.get(&p.location).await;
    assert!(
        ledger.html.contains("文件已入库"),
        "the ledger says what was done"
    );

    let tasks = tasks_of(&s, &document).await;
    let titles: Vec<&str> = tasks.iter().map(|t| t.3.as_str()).collect();
    assert_eq!(
        titles,
        [
            "打造科技创新高地",
            "加快建设实验室体系；推动产业转型升级",
            "加强水利建设",
            "完成病险水库除险加固",
        ]
    );
    let theme = tasks[0].0;
    assert_eq!(tasks[0].2, "theme");
    assert!(tasks[1..].iter().all(|t| t.1 == Some(theme)), "{tasks:?}");
    let doc = s.ok_get(&format!("/api/v1/documents/{document}")).await;
    assert_eq!(doc["meeting"]["chair"], "张三");
    // The split cut the sentence where its second part begins.
    let split = s.ok_get(&format!("/api/v1/tasks/{}", tasks[3].0)).await;
    let text = split["text"]
        .as_str()
        .or(split["task"]["text"].as_str())
        .unwrap();
    assert!(
        text.starts_with("汛期前完成") || text.starts_with("完成病险"),
        "{text}"
    );

    // A damaged draft is refused with what to do.
    let p = v
        .multipart(
            "/ingest/review",
            &[("csrf", &csrf), ("draft", "{not json"), ("op", "confirm")],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("请重新录入文件"));
    s.finish().await;
}

async fn uploads_of_docx_and_html_are_reviewed_and_stored(engine: Engine) {
    let s = TestServer::start(engine).await;
    let mut v = Visitor::new(&s);
    v.login_as("office").await;
    let csrf = v.get("/ingest").await.csrf();

    let file = docx(&[
        "省委常委会召开会议",
        "会议指出，要打造科技创新高地，加快建设实验室体系。要推动产业升级，6月底前出台实施方案。",
    ]);
    let p = v
        .multipart(
            "/ingest",
            &[("csrf", &csrf), ("text", "")],
            &[File {
                field: "file",
                name: "通稿.docx",
                bytes: &file,
            }],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("通稿.docx"));
    assert!(p.html.contains("value=\"推动产业升级\""));
    let p = edit(&mut v, &p, &[("op", "confirm")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let document = document_of(&p.location);
    let doc = s.ok_get(&format!("/api/v1/documents/{document}")).await;
    assert_eq!(doc["name"], "通稿.docx");
    assert_eq!(doc["kind"], "docx");

    let html = "<html><head><title>会议</title></head><body><h1>省委常委会召开会议</h1>\
        <p>会议指出，要打造科技创新高地&ldquo;一流&rdquo;，加快建设实验室体系。</p>\
        <p>要推动产业升级，6月底前出台实施方案。</p></body></html>";
    let p = v
        .multipart(
            "/ingest",
            &[("csrf", &csrf)],
            &[File {
                field: "file",
                name: "page.html",
                bytes: html.as_bytes(),
            }],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    // The source pane shows the page's text, not its markup.
    let pane = &p.html[p.html.find("id=\"source\"").unwrap()..];
    let pane = &pane[..pane.find("</div>").unwrap()];
    assert!(!pane.contains("&lt;p&gt;"), "{pane}");
    assert!(pane.contains("推动产业升级"));
    // A selection's offsets (as the script sends them) index the markup.
    let tree = draft_json(&p);
    let source: Vec<char> = tree["source"].as_str().unwrap().chars().collect();
    let at = (0..source.len())
        .find(|&i| source[i..].starts_with(&"加快建设".chars().collect::<Vec<_>>()))
        .unwrap();
    let (start, end) = (at.to_string(), (at + 9).to_string());
    let p = edit(
        &mut v,
        &p,
        &[
            ("add_text", "加快建设实验室体系"),
            ("add_start", &start),
            ("add_end", &end),
            ("op", "add"),
        ],
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    let p = edit(&mut v, &p, &[("op", "confirm")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let tasks = tasks_of(&s, &document_of(&p.location)).await;
    assert!(
        tasks.iter().any(|t| t.3 == "加快建设实验室体系"),
        "{tasks:?}"
    );

    // Files that are not documents get a clear Chinese reason.
    let p = v
        .multipart(
            "/ingest",
            &[("csrf", &csrf)],
            &[File {
                field: "file",
                name: "a.pdf",
                bytes: b"%PDF-1.7 binary",
            }],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("暂不支持 PDF 文件"), "{}", p.html);
    let p = v
        .multipart("/ingest", &[("csrf", &csrf), ("text", "  ")], &[])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("请粘贴通稿正文"));
    let p = v
        .multipart(
            "/ingest",
            &[("csrf", &csrf), ("text", COMMUNIQUE)],
            &[File {
                field: "file",
                name: "a.txt",
                bytes: COMMUNIQUE.as_bytes(),
            }],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("不要同时提供两者"));
    s.finish().await;
}

async fn an_upload_over_the_limit_is_refused_plainly(engine: Engine) {
    let s = TestServer::start_with_limit(engine, 64 * 1024).await;
    let mut v = Visitor::new(&s);
    v.login_as("office").await;
    let csrf = v.get("/ingest").await.csrf();
    let big = "要加强水利建设。".repeat(10_000);
    let p = v
        .multipart("/ingest", &[("csrf", &csrf), ("text", &big)], &[])
        .await;
    assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        p.html.contains("上传的内容太大（上限 0.1 MB）"),
        "{}",
        p.html
    );
    s.finish().await;
}

async fn only_the_office_may_ingest_and_forms_need_their_token(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.ok_post_as(
        &s.admin_token,
        "/api/v1/units",
        &serde_json::json!({"name": "甲单位"}),
        201,
    )
    .await;
    s.account("a-staff", Role::UnitStaff, Some("甲单位")).await;
    let mut staff = Visitor::new(&s);
    staff.login_as("a-staff").await;
    let csrf = staff.get("/ledger").await.csrf();
    let ledger = staff.get("/ledger").await;
    assert!(!ledger.html.contains("href=\"/ingest\""), "no link to 新建");
    for path in ["/ingest", "/ingest/import", "/ingest/jobs/abc"] {
        let p = staff.get(path).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "GET {path}");
        assert!(
            p.html.contains("您没有权限录入文件"),
            "GET {path}: {}",
            p.html
        );
    }
    for path in ["/ingest", "/ingest/review", "/ingest/import"] {
        let p = staff
            .multipart(
                path,
                &[("csrf", &csrf), ("text", COMMUNIQUE), ("op", "confirm")],
                &[],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "POST {path}");
    }

    // The office without the token: refused, nothing stored.
    let mut office = Visitor::new(&s);
    office.login_as("office").await;
    let p = office
        .multipart("/ingest", &[("text", COMMUNIQUE)], &[])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = office
        .multipart(
            "/ingest",
            &[("csrf", "0".repeat(64).as_str()), ("text", COMMUNIQUE)],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let token = office.get("/ingest").await.csrf();
    let review = office
        .multipart("/ingest", &[("csrf", &token), ("text", COMMUNIQUE)], &[])
        .await;
    let kept = draft(&review);
    let p = office
        .multipart(
            "/ingest/review",
            &[("draft", &kept), ("op", "confirm")],
            &[],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let docs = s.ok_get("/api/v1/documents").await;
    assert_eq!(docs["items"].as_array().map_or(0, Vec::len), 0, "{docs}");
    s.finish().await;
}

/// A sheet of `n` rows: a theme every 20 rows, the rest tasks to assign.
fn sheet(n: usize) -> Vec<u8> {
    let rows: Vec<xlsx::SheetRow> = (0..n)
        .map(|i| {
            let theme = i % 20 == 0;
            xlsx::SheetRow {
                kind: if theme {
                    TaskKind::Theme
                } else {
                    TaskKind::Task
                },
                number: if theme {
                    format!("{}、", xlsx::chinese_numeral(i / 20 + 1))
                } else {
                    (i % 20).to_string()
                },
                title: format!("第{}项工作", i + 1),
                lead: String::new(),
                co_units: String::new(),
                owner: String::new(),
                deadline: None,
                progress: String::new(),
                status: "待交办".to_owned(),
                task: TaskId(i64::try_from(i).unwrap() + 1),
                document: DocumentId(1),
            }
        })
        .collect();
    xlsx::write(&rows, "任务台账").unwrap()
}

async fn an_excel_import_of_1000_rows_shows_its_progress(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.account("office2", Role::Office, None).await;
    let mut v = Visitor::new(&s);
    v.login_as("office").await;
    let p = v.get("/ingest/import").await;
    assert_eq!(p.status, StatusCode::OK);
    let csrf = p.csrf();
    let file = sheet(1000);
    let p = v
        .multipart(
            "/ingest/import",
            &[("csrf", &csrf)],
            &[File {
                field: "file",
                name: "台账.xlsx",
                bytes: &file,
            }],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert!(p.location.starts_with("/ingest/jobs/"), "{}", p.location);
    let job = p.location.clone();

    // Someone else cannot see the job.
    let mut other = Visitor::new(&s);
    other.login_as("office2").await;
    assert_eq!(other.get(&job).await.status, StatusCode::NOT_FOUND);

    let mut pages = Vec::new();
    let done = v
        .until_done(&job, |p| {
            assert_eq!(p.refresh.as_deref(), Some("1"));
            assert!(
                (p.html.contains("已处理") || p.html.contains("正在打开文件"))
                    && p.html.contains("<progress"),
                "{}",
                p.html
            );
            pages.push(p.html.clone());
        })
        .await;
    assert!(done.html.contains("已处理 1000 / 1000 行"), "{}", done.html);
    assert!(
        done.html
            .contains("导入完成：1 份文件，1000 条任务（含主题），新建单位 0 个。"),
        "{}",
        done.html
    );
    let document = {
        let at = done.html.find("/ledger?document=").unwrap() + 17;
        let rest = &done.html[at..];
        rest[..rest.find('"').unwrap()].to_owned()
    };
    assert!(done.html.contains(&format!("/assign?document={document}")));
    let counts = s
        .ok_get(&format!("/api/v1/tasks?document={document}&limit=1"))
        .await;
    assert!(counts.to_string().contains("第1项工作"));
    let counted = pages.iter().filter(|p| p.contains("已处理")).count();
    eprintln!(
        "{} progress pages before the end, {counted} with a row count",
        pages.len()
    );

    // A bad sheet: the first bad cell with its row, nothing imported.
    let bad = b"not a workbook";
    let p = v
        .multipart(
            "/ingest/import",
            &[("csrf", &csrf)],
            &[File {
                field: "file",
                name: "x.xlsx",
                bytes: bad,
            }],
        )
        .await;
    let failed = v.until_done(&p.location, |_| {}).await;
    assert!(failed.html.contains("未导入任何数据"), "{}", failed.html);
    assert!(
        failed.html.contains("无法读取 Excel 文件"),
        "{}",
        failed.html
    );
    let p = v.multipart("/ingest/import", &[("csrf", &csrf)], &[]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.html.contains("请选择要导入的 .xlsx 文件"));
    s.finish().await;
}

async fn a_large_ingest_runs_as_a_job_and_ends_in_the_review(engine: Engine) {
    let s = TestServer::start(engine).await;
    let mut v = Visitor::new(&s);
    v.login_as("office").await;
    let csrf = v.get("/ingest").await.csrf();
    let text = format!("{COMMUNIQUE}\n").repeat(luoshi_server::web::ingest::LARGE_CHARS / 100 + 1);
    assert!(text.chars().count() > luoshi_server::web::ingest::LARGE_CHARS);
    let p = v
        .multipart(
            "/ingest",
            &[("csrf", &csrf)],
            &[File {
                field: "file",
                name: "long.txt",
                bytes: text.as_bytes(),
            }],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let job = p.location.clone();
    let review = v
        .until_done(&job, |p| {
            assert!(p.html.contains("正在提取任务"), "{}", p.html);
        })
        .await;
    assert!(review.html.contains("核对提取结果"), "{}", review.html);
    let p = edit(&mut v, &review, &[("op", "confirm")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let tasks = tasks_of(&s, &document_of(&p.location)).await;
    assert!(tasks.len() > 100, "{}", tasks.len());
    s.finish().await;
}

engine_cases!(
    paste_review_every_edit_and_confirm,
    uploads_of_docx_and_html_are_reviewed_and_stored,
    an_upload_over_the_limit_is_refused_plainly,
    only_the_office_may_ingest_and_forms_need_their_token,
    an_excel_import_of_1000_rows_shows_its_progress,
    a_large_ingest_runs_as_a_job_and_ends_in_the_review,
);
