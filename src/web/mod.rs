//! The web service (`klimat serve`): the respondent's pages now, the staff
//! pages and the API later. The only module that knows actix. Database work
//! runs in `web::block`, never on the async executor.

pub mod api;
pub mod failure;
pub mod form;
pub mod pages;
mod respondent;
pub mod security;
mod site;
mod staff;
pub mod state;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::{App, HttpResponse, HttpServer, web};

use crate::config::Settings;
use crate::store::Database;
use crate::token::Secret;
pub use state::AppState;

/// Seconds in-flight requests get to finish on shutdown.
const SHUTDOWN_SECS: u64 = 20;

/// The application's routes; also what tests mount. Requests klimat cannot
/// read (a path segment, a query, a form or JSON body of the wrong shape)
/// and addresses that lead nowhere get the site's own pages or problems.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(site::path_error))
        .app_data(web::QueryConfig::default().error_handler(site::query_error))
        .app_data(
            // Staff forms; the largest is a survey file carried along.
            web::FormConfig::default()
                .limit(4 << 20)
                .error_handler(site::form_error),
        )
        .app_data(
            web::JsonConfig::default()
                .limit(1 << 20)
                .error_handler(site::json_error),
        )
        .app_data(
            actix_multipart::form::MultipartFormConfig::default()
                .total_limit(staff::UPLOAD_LIMIT)
                .memory_limit(staff::UPLOAD_LIMIT)
                .error_handler(site::multipart_error),
        )
        .route("/healthz", web::get().to(healthz))
        .route("/static/klimat.css", web::get().to(css))
        .configure(site::routes)
        .configure(respondent::routes)
        .configure(staff::routes)
        .configure(api::routes)
        .default_service(web::route().to(site::not_found));
}

async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let ok = state.with_db(crate::store::ping).await;
    match ok {
        Ok(_) => HttpResponse::Ok().content_type("text/plain").body("ok\n"),
        _ => HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unavailable\n"),
    }
}

async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=86400"))
        .body(pages::CSS)
}

/// What `klimat serve` runs besides the web server.
pub struct Background {
    /// Run the outbox worker in this process.
    pub worker: Option<Box<dyn FnOnce(Arc<AtomicBool>) + Send>>,
    /// Single sign-on: the discovered provider, or why it is unavailable
    /// (while password login keeps working); `None` when not configured.
    pub sso: Option<Result<Arc<crate::sso::Provider>, String>>,
}

/// Runs the server until SIGINT/SIGTERM, then lets requests in flight
/// finish, then stops the worker.
pub fn serve(
    settings: &Settings,
    db: Database,
    secret: Secret,
    background: Background,
    workers: Option<usize>,
) -> std::io::Result<()> {
    let mut state = AppState::new(db, secret, settings);
    state.sso = staff::sso::SsoState::new(settings, background.sso);
    let state = web::Data::new(state);
    let bind = settings.bind.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let worker_thread = background.worker.map(|run| {
        let stop = stop.clone();
        std::thread::spawn(move || run(stop))
    });
    let result = actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                // The last wrap is the outermost: the log sees the request id.
                .wrap(actix_web::middleware::from_fn(security::canonical_path))
                .wrap(actix_web::middleware::from_fn(security::request_id))
                .wrap(security::headers())
                .wrap(security::access_log())
                .configure(configure)
        })
        .shutdown_timeout(SHUTDOWN_SECS)
        .bind(&bind)
        .map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::AddrInUse {
                "the address is taken (is another klimat or program listening there?)".to_owned()
            } else {
                e.to_string()
            };
            std::io::Error::new(
                e.kind(),
                format!("cannot listen on {bind}: {why}; choose another with KLIMAT_BIND or `bind` in klimat.toml"),
            )
        })?;
        if let Some(n) = workers {
            server = server.workers(n);
        }
        for addr in server.addrs() {
            println!("listening on http://{addr}");
        }
        use std::io::Write as _;
        std::io::stdout().flush()?;
        server.run().await
    });
    stop.store(true, Ordering::Relaxed);
    if let Some(t) = worker_thread {
        let _ = t.join();
    }
    result
}
