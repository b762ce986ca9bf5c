//! A real headless Chromium for the browser tests (Debian's `chromium` and
//! `chromium-driver`, driven over WebDriver by fantoccini), and the steps
//! the tests take with it.
//!
//! When chromium, its driver or the CJK fonts are missing,
//! [`ensure_browser`] installs them with apt-get (Debian, as root); when it
//! cannot, the test fails and says how to install them — it is never
//! skipped. Every page a test looks at is saved with [`shot`] as a PNG
//! under `target/screenshots/` (the cargo target directory).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub const DRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CJK_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

/// Installs chromium, its driver and the CJK fonts when one is missing.
pub fn ensure_browser() {
    let missing = || {
        [DRIVER, CHROMIUM, CJK_FONT]
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
        "chromium",
        "chromium-driver",
        "fonts-noto-cjk",
    ];
    if !apt(&packages) {
        apt(&["update"]);
        apt(&packages);
    }
    assert!(
        !missing(),
        "the browser tests need Debian's chromium, chromium-driver and fonts-noto-cjk, and \
         installing them failed (apt-get must run as root with a package mirror). Install them: \
         `apt-get install chromium chromium-driver fonts-noto-cjk`"
    );
}

/// chromedriver on a free loopback port; stopped when dropped.
pub struct Driver {
    child: Child,
    pub port: u16,
    /// The browser profile of this driver's session, removed with it.
    pub profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

pub fn start_driver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(DRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {DRIVER}: {e}"));
    let profile = std::env::temp_dir().join(format!(
        "luoshi-chromium-{}-{}",
        std::process::id(),
        PROFILE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let driver = Driver {
        child,
        port,
        profile,
    };
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen on port {port} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    driver
}

pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

tokio::task_local! {
    /// Put before every screenshot's name in this test (`engine_cases!`
    /// sets `pg-` for the PostgreSQL half), so the two engines' pictures
    /// of one test stand side by side.
    pub static SHOT_PREFIX: &'static str;
}

/// Saves the whole page (the window is stretched to the page's height for
/// the picture, then put back) as `{SHOT_PREFIX}{name}.png`.
pub async fn shot(c: &Client, name: &str) {
    let (w, h) = {
        let (_, _, w, h) = c.get_window_rect().await.unwrap();
        (w, h)
    };
    let full: serde_json::Value = c
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .unwrap();
    // The window is a little taller than the page it shows.
    let full = (full.as_u64().unwrap_or(0) + 120).clamp(h, 4000);
    c.set_window_size(u32::try_from(w).unwrap(), u32::try_from(full).unwrap())
        .await
        .unwrap();
    let png = c.screenshot().await.unwrap();
    c.set_window_size(u32::try_from(w).unwrap(), u32::try_from(h).unwrap())
        .await
        .unwrap();
    let prefix = SHOT_PREFIX.try_with(|p| *p).unwrap_or("");
    std::fs::write(screenshot_dir().join(format!("{prefix}{name}.png")), png).unwrap();
}

pub async fn fill(c: &Client, id: &str, text: &str) {
    let e = c.find(Locator::Id(id)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

/// Clicks a link or a submit button and waits for the next page to load
/// (the old document carries a mark the new one does not).
pub async fn click(c: &Client, css: &str) {
    c.execute("window.luoshiOld = 1;", vec![]).await.unwrap();
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let start = Instant::now();
    loop {
        let loaded = c
            .execute(
                "return window.luoshiOld === undefined && document.readyState === 'complete';",
                vec![],
            )
            .await
            .map(|v| v.as_bool() == Some(true))
            .unwrap_or(false);
        if loaded {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no new page after clicking {css}"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

pub async fn h1(c: &Client) -> String {
    c.wait()
        .for_element(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub async fn path(c: &Client) -> String {
    let u = c.current_url().await.unwrap();
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    }
}

pub async fn login(c: &Client, base: &str, login: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "login", login).await;
    fill(c, "password", password).await;
    click(c, "main form button[type=submit]").await;
    h1(c).await;
}

pub async fn logout(c: &Client) {
    click(c, "form.logout button").await;
    h1(c).await;
}

/// Installs the browser when missing, starts chromedriver and opens a
/// headless Chromium session at 1280×800 that sends `zh-CN` as its
/// language, with a fresh profile. Keep the driver alive while the client
/// is used.
pub async fn open_browser() -> (Driver, Client) {
    ensure_browser();
    let driver = start_driver();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            // What a browser in a Chinese office sends.
            "prefs": {"intl.accept_languages": "zh-CN,zh"},
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", "--window-size=1280,800", "--lang=zh-CN",
                format!("--user-data-dir={}", driver.profile.display()),
            ]
        }),
    );
    // chromedriver is on loopback over plain HTTP: no TLS in the client.
    let c = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .unwrap_or_else(|e| panic!("cannot start a chromium session: {e}"));
    (driver, c)
}

static PROFILE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
