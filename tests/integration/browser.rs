//! A real browser: headless Chromium (Debian's chromium and chromium-driver)
//! at phone width opens a personal link, answers every question by clicking
//! the labels, submits and sees the thank-you page; axe-core (npm) scans the
//! form and reports no serious or critical violation.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};

use crate::helpers::*;
use crate::services::*;

struct Driver(Child, u16);

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bin =
            std::env::var("KLIMAT_TEST_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let child = Command::new(&bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{bin} runs (bash .ci/test installs chromium-driver): {e}"));
        let end = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < end, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver(child, port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn axe_source() -> String {
    let path = std::env::var("KLIMAT_TEST_AXE").unwrap_or_else(|_| {
        format!(
            "{}/.ci/node/node_modules/axe-core/axe.min.js",
            repo().display()
        )
    });
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core at {path} (bash .ci/test installs it with npm): {e}"))
}

/// A WebDriver session with headless Chromium; `phone` emulates a phone of
/// that width and height.
async fn browser(driver: &Driver, phone: Option<(u32, u32)>) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    let binary =
        std::env::var("KLIMAT_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut options = serde_json::json!({
        "binary": binary,
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"],
    });
    if let Some((width, height)) = phone {
        options["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0 }
        });
    }
    caps.insert("goog:chromeOptions".into(), options);
    // lettre brings ring and the WebDriver client aws-lc: pick one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    ClientBuilder::rustls()
        .unwrap()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.1))
        .await
        .expect("a WebDriver session with headless Chromium")
}

/// A script that runs axe-core's WCAG 2.1 A/AA rules and returns the serious
/// and critical violations.
fn axe_scan(axe: &str) -> String {
    format!(
        "{axe}\nconst done = arguments[arguments.length - 1];\n\
         axe.run(document, {{ runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }})\n\
           .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\n\
             .map(v => v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).join(', ') + ')')))\n\
           .catch(e => done(['axe failed: ' + e]));"
    )
}

#[test]
fn a_respondent_answers_on_a_phone_sized_browser_and_axe_finds_no_serious_violation() {
    let k = Klimat::new();
    let env = vec![(
        "KLIMAT_SECRET",
        "browser-secret-0123456789abcdef01234".to_owned(),
    )];
    open_wave(&k, &env, &[("a@region.se", "u1", "sv")]);
    klimat(&k, &env, &["wave", "send", WAVE]);
    klimat(&k, &env, &["worker", "--once"]);
    let eml = std::fs::read_dir(k.path("mail-out"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let token = link_token(&std::fs::read(eml).unwrap(), "/s/");
    let server = Server::start(&k, &env);
    let driver = Driver::start();
    let axe = axe_source();
    let link = server.url(&format!("/s/{token}"));
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async move {
            let client = browser(&driver, Some((360, 800))).await;
            client.goto(&link).await.unwrap();
            let scan = axe_scan(&axe);
            let violations = client.execute_async(&scan, vec![]).await.unwrap();
            assert_eq!(violations, serde_json::json!([]), "axe-core on the form");
            let widths = client
                .execute(
                    "return [window.innerWidth, document.documentElement.scrollWidth];",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(
                widths,
                serde_json::json!([360, 360]),
                "a 360 px viewport without horizontal scrolling"
            );
            for page in 0..2 {
                let shown = format!(
                    "//p[@class='progress']/span[contains(., 'Sida {} av 2')]",
                    page + 1
                );
                client
                    .wait()
                    .for_element(Locator::XPath(&shown))
                    .await
                    .unwrap();
                let groups = client
                    .find_all(Locator::Css("fieldset.item"))
                    .await
                    .unwrap();
                for group in groups {
                    let labels = group.find_all(Locator::Css(".scale label")).await.unwrap();
                    labels[page + 2].click().await.unwrap();
                }
                let button = if page == 0 {
                    "button[value=next]"
                } else {
                    "button[value=submit]"
                };
                client
                    .find(Locator::Css(button))
                    .await
                    .unwrap()
                    .click()
                    .await
                    .unwrap();
            }
            let thanks = "//h1[contains(., 'Tack för dina svar!')]";
            client
                .wait()
                .for_element(Locator::XPath(thanks))
                .await
                .expect("the thank-you page");
            let violations = client.execute_async(&scan, vec![]).await.unwrap();
            assert_eq!(
                violations,
                serde_json::json!([]),
                "axe-core on the thank-you page"
            );
            client.close().await.unwrap();
        });
    assert_eq!(response_count(&k, "invitation"), 1);
}

/// Leadership: a viewer logs in through the form, lands on the dashboard it
/// asked for, and sees the three charts; axe-core finds no serious or
/// critical violation on the login page or the dashboard.
#[test]
fn a_viewer_logs_in_and_sees_the_dashboard_charts() {
    let s = crate::staff::setup(&[]);
    let driver = Driver::start();
    let scan = axe_scan(&axe_source());
    let start = s.server.url("/staff/studies/pilot/dashboard?lang=en");
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async move {
            let client = browser(&driver, None).await;
            client.goto(&start).await.unwrap();
            client
                .wait()
                .for_element(Locator::Css("input#email"))
                .await
                .expect("the login page");
            let violations = client.execute_async(&scan, vec![]).await.unwrap();
            assert_eq!(
                violations,
                serde_json::json!([]),
                "axe-core on the login page"
            );
            client
                .find(Locator::Css("input#email"))
                .await
                .unwrap()
                .send_keys("lead@region.se")
                .await
                .unwrap();
            client
                .find(Locator::Css("input#password"))
                .await
                .unwrap()
                .send_keys(crate::staff::PASSWORD)
                .await
                .unwrap();
            client
                .find(Locator::Css("button[type=submit].primary"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            client
                .wait()
                .for_element(Locator::XPath("//h1[contains(., 'Leadership dashboard')]"))
                .await
                .expect("the dashboard after logging in");
            let charts = client
                .find_all(Locator::Css("figure.chart svg[role=img]"))
                .await
                .unwrap();
            assert_eq!(charts.len(), 3, "trend, heatmap and profile");
            for chart in &charts {
                let size = chart.rectangle().await.unwrap();
                assert!(
                    size.2 > 200.0 && size.3 > 100.0,
                    "a chart is drawn at a visible size: {size:?}"
                );
            }
            let violations = client.execute_async(&scan, vec![]).await.unwrap();
            assert_eq!(
                violations,
                serde_json::json!([]),
                "axe-core on the dashboard"
            );
            // Choosing another dimension redraws the trend for it.
            let option = client
                .find(Locator::Css("select#dimension option:nth-child(2)"))
                .await
                .unwrap();
            let name = option.text().await.unwrap();
            option.click().await.unwrap();
            client
                .find(Locator::Css("form.controls button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            let heading = format!("//h2[@id='trend'][contains(., '{name}')]");
            client
                .wait()
                .for_element(Locator::XPath(&heading))
                .await
                .expect("the trend of the chosen dimension");
            client.close().await.unwrap();
        });
}
