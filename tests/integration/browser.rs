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
                for group in &groups {
                    let labels = group.find_all(Locator::Css(".scale label")).await.unwrap();
                    labels[page + 2].click().await.unwrap();
                }
                if page == 0 {
                    // Switching the language keeps what was just answered.
                    client
                        .find(Locator::Css("button[name=switch][value=en]"))
                        .await
                        .unwrap()
                        .click()
                        .await
                        .unwrap();
                    let english = "//p[@class='progress']/span[contains(., 'Page 1 of 2')]";
                    client
                        .wait()
                        .for_element(Locator::XPath(english))
                        .await
                        .unwrap();
                    let checked = client
                        .find_all(Locator::Css("fieldset.item input:checked"))
                        .await
                        .unwrap();
                    assert_eq!(checked.len(), groups.len(), "answers survive the switch");
                    client
                        .find(Locator::Css("button[name=switch][value=sv]"))
                        .await
                        .unwrap()
                        .click()
                        .await
                        .unwrap();
                    client
                        .wait()
                        .for_element(Locator::XPath(&shown))
                        .await
                        .unwrap();
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
            assert_eq!(
                charts.len(),
                4,
                "pilot against control, trend, heatmap and profile"
            );
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

/// The evaluator's path from an empty database, in a browser: upload the
/// shipped survey, check it, look at it as a respondent, publish; create a
/// study from the unit tree (a division brings its units); create two
/// waves; upload a roster with one bad line (refused, every problem shown,
/// nothing stored) then a good one; open; queue invitations; close after
/// the confirmation. axe-core finds no serious or critical violation on
/// each new page.
#[test]
fn an_evaluator_sets_up_a_study_in_the_browser_from_an_empty_database() {
    let e = crate::setup::empty();
    let driver = Driver::start();
    let scan = axe_scan(&axe_source());
    let survey = repo().join("surveys/team-climate.toml");
    let bad_roster = e.k.write(
        "bad-roster.csv",
        "email,unit,language\nanna@region.se,a1,sv\nnot-an-address,a2,sv\nbo@region.se,nowhere,en\n",
    );
    let roster = e.k.write(
        "roster.csv",
        "email,unit,language\nanna@region.se,a1,sv\ncarl@region.se,a2,sv\nbo@region.se,b1,en\n",
    );
    let base = e.server.url("");
    let db = database(&e.k);
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async move {
            let c = browser(&driver, None).await;
            let axe = |what: &'static str| {
                let c = c.clone();
                let scan = scan.clone();
                async move {
                    let v = c.execute_async(&scan, vec![]).await.unwrap();
                    assert_eq!(v, serde_json::json!([]), "axe-core on {what}");
                }
            };
            let css = |sel: &'static str| Locator::Css(sel);
            let type_in = |sel: &'static str, text: String| {
                let c = c.clone();
                async move {
                    let field = c.find(Locator::Css(sel)).await.unwrap();
                    field.clear().await.unwrap();
                    field.send_keys(&text).await.unwrap();
                }
            };
            let click = |sel: String| {
                let c = c.clone();
                async move { c.find(Locator::Css(&sel)).await.unwrap().click().await.unwrap() }
            };
            let heading = |text: &'static str| {
                let c = c.clone();
                async move {
                    let x = format!("//h1[contains(., '{text}')]");
                    if c.wait().for_element(Locator::XPath(&x)).await.is_err() {
                        let page = match c.find(Locator::Css("body")).await {
                            Ok(b) => b.text().await.unwrap_or_default(),
                            Err(_) => String::new(),
                        };
                        let url = c.current_url().await.map(|u| u.to_string()).unwrap_or_default();
                        panic!("the page «{text}», not {url}:\n{page}");
                    }
                }
            };
            // Swedish pages (the browser asks for English): the choice is
            // remembered from the first staff page.
            c.goto(&format!("{base}/staff?lang=sv")).await.unwrap();
            type_in("input#email", "admin@region.se".into()).await;
            type_in("input#password", crate::staff::PASSWORD.into()).await;
            click("button[type=submit].primary".into()).await;
            heading("Studier").await;
            assert!(c.source().await.unwrap().contains("skapa den första studien"));

            // The survey: check, preview, publish.
            c.goto(&format!("{base}/staff/surveys")).await.unwrap();
            heading("Enkäter").await;
            axe("the surveys page").await;
            c.find(css("input#survey-file")).await.unwrap().send_keys(arg(&survey)).await.unwrap();
            click("form[action='/staff/surveys/check'] button".into()).await;
            heading("Kontrollera enkäten").await;
            assert!(c.source().await.unwrap().contains("sha256:"));
            axe("the check page").await;
            click("button[name=goto][value='en:0']".into()).await;
            c.wait().for_element(css("div.preview")).await.unwrap();
            assert!(c.source().await.unwrap().contains("lang=\"en\""));
            axe("the preview").await;
            click("button[name=goto][value='sv:1']".into()).await;
            c.wait().for_element(Locator::XPath("//p[@class='progress']/span[contains(., 'Sida 2')]")).await.unwrap();
            click("button#preview-done".into()).await;
            heading("Enkäter").await;
            assert!(c.source().await.unwrap().contains("team-climate"));

            // The study from the tree: division A as pilot brings a1 and a2.
            c.goto(&format!("{base}/staff/studies/new")).await.unwrap();
            heading("Ny studie").await;
            axe("the study form").await;
            type_in("input#name", "pilot".into()).await;
            c.execute("document.getElementById('intervention_date').value = '2026-06-01';", vec![]).await.unwrap();
            click("input[name='arm.A'][value=pilot]".into()).await;
            click("input[name='arm.B'][value=control]".into()).await;
            click("form.stack button.primary".into()).await;
            heading("Studie: pilot").await;
            axe("the study page").await;
            let page = c.source().await.unwrap();
            let pilot = page.split("id=\"pilot-h\"").nth(1).unwrap().split("</section>").next().unwrap();
            assert!(pilot.contains("a1") && pilot.contains("a2") && !pilot.contains("b1"), "{pilot}");
            assert!(page.contains("skapa den första"), "the empty state of waves");

            // Two waves; a bad one first is shown again with its reason.
            for (name, opens, closes) in [("2026-03", "2026-03-01", "2026-03-20"), ("2026-09", "2026-09-01", "2026-09-20")] {
                c.goto(&format!("{base}/staff/studies/pilot/waves/new")).await.unwrap();
                heading("Ny mätomgång").await;
                type_in("input#name", name.into()).await;
                let set = format!("document.getElementById('opens').value = '{closes}'; document.getElementById('closes').value = '{opens}';");
                c.execute(&set, vec![]).await.unwrap();
                click("form.stack button.primary".into()).await;
                c.wait().for_element(css("div.error-summary")).await.expect("closing before opening refused");
                let set = format!("document.getElementById('opens').value = '{opens}'; document.getElementById('closes').value = '{closes}';");
                c.execute(&set, vec![]).await.unwrap();
                click("form.stack button.primary".into()).await;
                heading("Mätomgång").await;
            }
            axe("the wave page").await;
            let wave_url = c.current_url().await.unwrap();
            let id: i64 = wave_url.path().rsplit('/').next().unwrap().parse().unwrap();
            assert_eq!(id, 2, "the second wave");
            let first = format!("{base}/staff/waves/1");

            // The roster: one bad line refuses the file.
            c.goto(&format!("{first}/roster")).await.unwrap();
            axe("the roster page").await;
            c.find(css("input#roster-file")).await.unwrap().send_keys(arg(&bad_roster)).await.unwrap();
            click("form[action$='/roster'] button.primary".into()).await;
            c.wait().for_element(css("ul.problems")).await.expect("the problems listed");
            let page = c.source().await.unwrap();
            assert!(page.contains("rad 3") && page.contains("rad 4"), "every bad line");
            {
                let mut conn = db.get().unwrap();
                let w = klimat::store::studies::wave_by_id(&mut conn, 1).unwrap();
                assert!(klimat::store::invitations::roster_counts(&mut conn, &w).unwrap().is_empty(), "nothing stored");
            }
            c.find(css("input#roster-file")).await.unwrap().send_keys(arg(&roster)).await.unwrap();
            click("form[action$='/roster'] button.primary".into()).await;
            c.wait().for_element(css("div.flash")).await.unwrap();
            assert!(c.source().await.unwrap().contains("3 personer"));

            // Open, queue, close after confirming.
            click("form[action$='/open'] button".into()).await;
            c.wait().for_element(css("form[action$='/send']")).await.unwrap();
            click("form[action$='/send'] button".into()).await;
            c.wait().for_element(Locator::XPath("//div[@class='flash']/p[contains(., '3 inbjudningar')]")).await.unwrap();
            c.find(Locator::XPath("//a[contains(@href, '/close')]")).await.unwrap().click().await.unwrap();
            c.wait().for_element(css("div.warning")).await.unwrap();
            axe("the close confirmation").await;
            let warning = c.find(css("div.warning")).await.unwrap().text().await.unwrap();
            assert!(warning.contains("köade meddelanden") && warning.contains("utkast"), "{warning}");
            click("form[action$='/close'] button.primary".into()).await;
            c.wait().for_element(Locator::XPath("//span[@class='state'][contains(., 'stängd')]")).await.unwrap();
            c.close().await.unwrap();
        });
}

/// An evaluator reads a wave's comments on a phone: groups, words, the
/// search; axe-core finds no serious violation.
#[test]
fn an_evaluator_reads_and_searches_the_comments_on_a_phone() {
    let (k, env) = crate::comments::demo();
    let mut cmd = k.cmd();
    for (key, value) in &env {
        cmd.env(key, value);
    }
    let out = cmd
        .args([
            "user",
            "add",
            "eva@region.se",
            "--role",
            "evaluator",
            "--password-stdin",
        ])
        .write_stdin(format!("{}\n", crate::staff::PASSWORD))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::helpers::stderr_of(&out));
    let server = crate::services::Server::start(&k, &env);
    let driver = Driver::start();
    let scan = axe_scan(&axe_source());
    let start = server.url("/staff/waves/1/comments?lang=sv");
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async move {
            let client = browser(&driver, Some((390, 844))).await;
            client.goto(&start).await.unwrap();
            fill(&client, "input#email", "eva@region.se").await;
            fill(&client, "input#password", crate::staff::PASSWORD).await;
            press(&client, "button[type=submit].primary").await;
            client
                .wait()
                .for_element(Locator::XPath("//h1[contains(., 'Kommentarer')]"))
                .await
                .expect("the comments after logging in");
            let groups = client
                .find_all(Locator::Css("ul.comment-list"))
                .await
                .unwrap();
            assert!(groups.len() >= 3, "{} groups", groups.len());
            let violations = client.execute_async(&scan, vec![]).await.unwrap();
            assert_eq!(
                violations,
                serde_json::json!([]),
                "axe-core on the comments"
            );
            let width: f64 = client
                .execute("return document.documentElement.scrollWidth", vec![])
                .await
                .unwrap()
                .as_f64()
                .unwrap();
            assert!(width <= 390.0, "nothing wider than the phone: {width}");
            fill(&client, "input#q", "konflikterna").await;
            press(&client, "form.search button").await;
            client
                .wait()
                .for_element(Locator::XPath("//a[contains(., 'Visa alla')]"))
                .await
                .expect("the search's results");
            let shown = client
                .find_all(Locator::Css("ul.comment-list li"))
                .await
                .unwrap();
            assert!(!shown.is_empty());
            for li in shown {
                let text = li.text().await.unwrap();
                assert!(text.to_lowercase().contains("konflikterna"), "{text}");
            }
            client.close().await.unwrap();
        });
}

/// Types `text` into the field `css` selects.
async fn fill(client: &fantoccini::Client, css: &str, text: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Clicks what `css` selects.
async fn press(client: &fantoccini::Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}
