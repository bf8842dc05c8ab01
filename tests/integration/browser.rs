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
    tokio::runtime::Runtime::new().unwrap().block_on(async move {
        let mut caps = serde_json::Map::new();
        let binary = std::env::var("KLIMAT_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": binary,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                "mobileEmulation": { "deviceMetrics": { "width": 360, "height": 800, "pixelRatio": 2.0 } }
            }),
        );
        // lettre brings ring and the WebDriver client aws-lc: pick one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.1))
            .await
            .expect("a WebDriver session with headless Chromium");
        client.goto(&link).await.unwrap();
        let scan = format!(
            "{axe}\nconst done = arguments[arguments.length - 1];\n\
             axe.run(document, {{ runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }})\n\
               .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\n\
                 .map(v => v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).join(', ') + ')')))\n\
               .catch(e => done(['axe failed: ' + e]));"
        );
        let violations = client.execute_async(&scan, vec![]).await.unwrap();
        assert_eq!(violations, serde_json::json!([]), "axe-core on the form");
        let widths = client
            .execute("return [window.innerWidth, document.documentElement.scrollWidth];", vec![])
            .await
            .unwrap();
        assert_eq!(widths, serde_json::json!([360, 360]), "a 360 px viewport without horizontal scrolling");
        for page in 0..2 {
            let shown = format!("//p[@class='progress']/span[contains(., 'Sida {} av 2')]", page + 1);
            client.wait().for_element(Locator::XPath(&shown)).await.unwrap();
            let groups = client.find_all(Locator::Css("fieldset.item")).await.unwrap();
            for group in groups {
                let labels = group.find_all(Locator::Css(".scale label")).await.unwrap();
                labels[page + 2].click().await.unwrap();
            }
            let button = if page == 0 { "button[value=next]" } else { "button[value=submit]" };
            client.find(Locator::Css(button)).await.unwrap().click().await.unwrap();
        }
        let thanks = "//h1[contains(., 'Tack för dina svar!')]";
        client.wait().for_element(Locator::XPath(thanks)).await.expect("the thank-you page");
        let violations = client.execute_async(&scan, vec![]).await.unwrap();
        assert_eq!(violations, serde_json::json!([]), "axe-core on the thank-you page");
        client.close().await.unwrap();
    });
    assert_eq!(response_count(&k, "invitation"), 1);
}
