//! The status report and the supervision notice open cleanly in
//! LibreOffice: converted to PDF by a real headless `soffice`, the PDF has
//! pages and the expected text (read back with poppler's `pdftotext`).
//!
//! When LibreOffice Writer or poppler-utils are missing, the test installs
//! them with apt-get (Debian, as root: `libreoffice-writer-nogui`,
//! `poppler-utils`, `fonts-noto-cjk`); when it cannot, it fails and says
//! how to install them — it is never skipped. Set
//! `LUOSHI_REPORT_PDF_DIR` to keep the PDFs (to look at their pages with
//! `pdftoppm -png`).

#![allow(clippy::unwrap_used)]

mod helpers;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use helpers::{day, ledger, unit_notice};
use luoshi_core::{ReportQuery, ReportScope};

const SOFFICE: &str = "/usr/bin/soffice";
const PDFTOTEXT: &str = "/usr/bin/pdftotext";
const PDFINFO: &str = "/usr/bin/pdfinfo";
const CJK_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

fn ensure_libreoffice() {
    let missing = || {
        [SOFFICE, PDFTOTEXT, PDFINFO, CJK_FONT]
            .iter()
            .any(|p| !Path::new(p).exists())
    };
    if !missing() {
        return;
    }
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let packages = [
        "install",
        "-y",
        "--no-install-recommends",
        "libreoffice-writer-nogui",
        "poppler-utils",
        "fonts-noto-cjk",
    ];
    if !apt(&packages) {
        apt(&["update"]);
        apt(&packages);
    }
    assert!(
        !missing(),
        "this test needs LibreOffice Writer, poppler-utils and fonts-noto-cjk, and installing \
         them failed (apt-get must run as root with a package mirror). Install them: \
         `apt-get install --no-install-recommends libreoffice-writer-nogui poppler-utils fonts-noto-cjk`"
    );
}

/// Converts `docx` to PDF with headless LibreOffice (a profile of its own,
/// so parallel runs do not share one) and returns the PDF's path.
fn to_pdf(docx: &Path, out: &Path) -> PathBuf {
    let profile = out.join("lo-profile");
    let status = Command::new(SOFFICE)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(out)
        .arg(docx)
        .stdout(Stdio::null())
        .status()
        .expect("soffice runs");
    assert!(status.success(), "soffice failed on {}", docx.display());
    let pdf = out.join(docx.file_stem().unwrap()).with_extension("pdf");
    assert!(pdf.exists(), "no PDF for {}", docx.display());
    pdf
}

fn pages(pdf: &Path) -> u32 {
    let out = Command::new(PDFINFO).arg(pdf).output().unwrap();
    let info = String::from_utf8_lossy(&out.stdout);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("pdfinfo: {info}"))
}

fn text(pdf: &Path) -> String {
    let out = Command::new(PDFTOTEXT).arg(pdf).arg("-").output().unwrap();
    assert!(out.status.success());
    // pdftotext breaks lines where the page does; compare without them.
    String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[tokio::test]
async fn libreoffice_converts_the_report_and_the_notice_to_pdf() {
    ensure_libreoffice();
    let dir = std::env::temp_dir().join(format!("luoshi_report_lo_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (store, doc) = ledger(&dir).await;
    let report = store
        .status_report(&ReportQuery {
            scope: ReportScope::Document(doc),
            from: None,
            to: None,
            day: day("2026-07-08"),
        })
        .await
        .unwrap();
    let report_docx = dir.join("status-report.docx");
    std::fs::write(&report_docx, luoshi_report::status_docx(&report).unwrap()).unwrap();
    let notice = unit_notice(&store).await;
    let notice_docx = dir.join("notice.docx");
    std::fs::write(&notice_docx, luoshi_report::notice_docx(&notice).unwrap()).unwrap();
    store.close().await;

    let pdf = to_pdf(&report_docx, &dir);
    assert!(pages(&pdf) >= 2, "the report runs over more than a page");
    let t = text(&pdf);
    for expected in [
        "关于2026年3月5日省委常委会会议精神贯彻落实情况的汇报",
        "一、总体进展",
        "三、重点指标完成情况",
        "新建省级实验室",
        "四、存在的问题及整改情况",
        "五、逾期事项",
        "牵头单位",
        "七、下一步工作举措",
        "—1—",
    ] {
        assert!(t.contains(expected), "{expected} not in the PDF: {t}");
    }

    let pdf = to_pdf(&notice_docx, &dir);
    assert!(pages(&pdf) >= 1);
    let t = text(&pdf);
    for expected in [
        "督办通知",
        "督〔2026〕1号",
        "省水利厅：",
        "加强水利建设",
        "已逾期8天",
        "于2026年7月15日前将办理情况书面报送省委督查室",
        "2026年7月8日",
    ] {
        assert!(t.contains(expected), "{expected} not in the PDF: {t}");
    }
    if let Ok(keep) = std::env::var("LUOSHI_REPORT_PDF_DIR") {
        for f in ["status-report.pdf", "notice.pdf"] {
            std::fs::copy(dir.join(f), Path::new(&keep).join(f)).unwrap();
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
