//! The HTTP service: the ballot service over actix-web on tokio.
//!
//! Architecture invariant: `server` is the only code that knows HTTP, sessions, roles and
//! configuration. It drives the election through `ledger`; it never writes the log or the
//! database itself.

pub mod accounts;
pub mod api;
pub mod assets;
pub mod auth;
mod body_timeout;
pub mod challenges;
pub mod config;
mod connections;
mod demo;
pub mod elections;
mod error;
mod headers;
pub mod links;
pub mod openapi;
pub mod rate;
pub mod state;
mod tls;

use std::time::Duration;

use actix_web::http::KeepAlive;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse, HttpServer, ResponseError};
use serde::Deserialize;

pub use config::{Config, ServeArgs};
pub use error::ApiError;
pub use state::AppState;

use crate::record::{parse_ballots, parse_election, result_json};
use crate::rules::tally_election;
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TallyRequest {
    spec: serde_json::Value,
    /// Ballots as JSON Lines text.
    ballots: String,
}

async fn tally(body: web::Json<TallyRequest>) -> Result<HttpResponse, ApiError> {
    let mut body = body.into_inner();
    // A check of a spec without ballots (the organiser page's surplus check): contests may
    // leave turnout to the desk, as the service's own registration does.
    if body.ballots.trim().is_empty() {
        crate::record::election::with_desk_turnout(&mut body.spec);
    }
    let spec_bytes =
        serde_json::to_vec(&body.spec).map_err(|e| ApiError::Internal(e.to_string()))?;
    // Counting is CPU work: keep it off the async workers.
    let doc = web::block(move || -> Result<serde_json::Value, ApiError> {
        let election = parse_election(&spec_bytes).map_err(ApiError::Spec)?;
        let ballots =
            parse_ballots(&election, body.ballots.as_bytes()).map_err(ApiError::Ballot)?;
        let result = tally_election(&election, &ballots);
        Ok(result_json(&election, &result))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(HttpResponse::Ok().json(doc))
}

/// Builds the application; shared by `run` and the HTTP tests.
pub fn configure(state: web::Data<AppState>) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        let limit = state.config.request_bytes_max;
        cfg.app_data(state.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(limit)
                    .error_handler(|err, _req| ApiError::from_json_error(&err).into()),
            )
            .app_data(web::PayloadConfig::default().limit(limit))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|err, _req| ApiError::BadJson(err.to_string()).into()),
            )
            .app_data(
                web::PathConfig::default()
                    .error_handler(|err, _req| ApiError::BadJson(err.to_string()).into()),
            )
            .route("/", web::get().to(|| async { assets::file("index.html") }))
            .route(
                "/kiosk",
                web::get().to(|| async { assets::file("kiosk.html") }),
            )
            .route(
                "/desk",
                web::get().to(|| async { assets::file("desk.html") }),
            )
            .route(
                "/organiser",
                web::get().to(|| async { assets::file("organiser.html") }),
            )
            .route(
                "/teller",
                web::get().to(|| async { assets::file("teller.html") }),
            )
            .route(
                "/verify",
                web::get().to(|| async { assets::file("verify.html") }),
            )
            .route(
                "/auditor",
                web::get().to(|| async { assets::file("auditor.html") }),
            )
            .route("/assets/{path:.*}", web::get().to(assets::asset))
            .route("/favicon.ico", web::get().to(assets::favicon))
            .route(
                "/elections/{id}/board/{index}",
                web::get().to(elections::board),
            )
            .route("/healthz", web::get().to(api::healthz))
            .route("/metrics", web::get().to(api::metrics))
            .route("/checkpoint", web::get().to(api::checkpoint_text))
            .route("/board/{index}", web::get().to(api::board))
            .route(
                "/api/docs",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(openapi::docs_html())
                }),
            )
            .route(
                "/api/openapi.json",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(openapi::json())
                }),
            )
            .service(
                web::scope("/api/v1")
                    .route("/tally", web::post().to(tally))
                    .route("/login", web::post().to(accounts::login))
                    .route("/logout", web::post().to(accounts::logout))
                    .route("/session", web::get().to(accounts::session))
                    .route("/password", web::post().to(accounts::password))
                    .route("/accounts", web::get().to(accounts::accounts))
                    .route("/accounts", web::post().to(accounts::create_account))
                    .route("/kiosks/pairing", web::post().to(accounts::pairing))
                    .route("/kiosks/pair", web::post().to(accounts::pair))
                    .route("/kiosks", web::get().to(accounts::kiosks))
                    .route("/kiosks/{name}/unpair", web::post().to(accounts::unpair))
                    .route("/sessions", web::get().to(accounts::sessions))
                    .route(
                        "/sessions/{id}/revoke",
                        web::post().to(accounts::revoke_session),
                    )
                    .route(
                        "/accounts/{name}/disable",
                        web::post().to(accounts::disable_account),
                    )
                    .route(
                        "/accounts/{name}/enable",
                        web::post().to(accounts::enable_account),
                    )
                    .route("/election", web::get().to(api::election))
                    .route("/procedures", web::get().to(api::procedures))
                    .route(
                        "/procedures/{id}/steps",
                        web::post().to(api::procedure_step),
                    )
                    .route("/election", web::post().to(api::create_election))
                    .route("/election/archive", web::post().to(elections::archive))
                    .route("/elections", web::get().to(elections::list))
                    .route("/elections/{id}/export", web::get().to(elections::export))
                    .route(
                        "/elections/{id}/results/{index}",
                        web::get().to(elections::result),
                    )
                    .route("/roll", web::post().to(api::import_roll))
                    .route("/roll", web::get().to(api::roll_search))
                    .route("/checkins", web::post().to(api::check_in))
                    .route("/desk", web::get().to(api::desk))
                    .route("/pools", web::post().to(api::pools))
                    .route("/contests/{id}/open", web::post().to(api::open_contest))
                    .route("/contests/{id}/close", web::post().to(api::close_contest))
                    .route(
                        "/contests/{id}/paper-ballots",
                        web::post().to(api::paper_ballot),
                    )
                    .route(
                        "/contests/{id}/paper-sheet",
                        web::get().to(api::paper_sheet),
                    )
                    .route("/contests/{id}/next-round", web::post().to(api::next_round))
                    .route("/contests/{id}/revote", web::post().to(api::revote))
                    .route(
                        "/contests/{id}/reduce-seats",
                        web::post().to(api::reduce_seats),
                    )
                    .route("/contests/{id}/tally", web::post().to(api::tally_contest))
                    .route(
                        "/contests/{id}/corrections",
                        web::post().to(api::propose_correction),
                    )
                    .route("/corrections", web::get().to(api::corrections))
                    .route(
                        "/corrections/{id}/approve",
                        web::post().to(api::approve_correction),
                    )
                    .route("/kiosk/ballot", web::post().to(api::kiosk_ballot))
                    .route("/ballots", web::post().to(api::cast))
                    .route("/kiosk/spoil", web::post().to(challenges::kiosk_spoil))
                    .route("/spoiled/{index}", web::get().to(challenges::spoiled))
                    .route(
                        "/confirmations/{code}",
                        web::get().to(challenges::confirmation),
                    )
                    .route("/kiosk-tests", web::get().to(challenges::tests))
                    .route("/kiosk-tests", web::post().to(challenges::record_test))
                    .route("/ceremony", web::get().to(api::ceremony))
                    .service(
                        web::resource("/teller/entries")
                            .app_data(
                                web::JsonConfig::default()
                                    .limit(crate::procedure::TELLER_BODY_MAX.max(limit))
                                    .error_handler(|err, _req| {
                                        ApiError::from_json_error(&err).into()
                                    }),
                            )
                            .route(web::post().to(api::teller_entry)),
                    )
                    .route("/results", web::get().to(api::results))
                    .route("/results/{index}", web::get().to(api::result))
                    .route(
                        "/results/{index}/{format:csv|xlsx}",
                        web::get().to(api::result_office),
                    )
                    .route(
                        "/results/{index}/signatures",
                        web::post().to(api::sign_result),
                    )
                    .route("/results/{index}/publish", web::post().to(api::publish))
                    .route("/public/results", web::get().to(api::public_results))
                    .route("/public/results/{index}", web::get().to(api::public_result))
                    .route("/receipts/{code}", web::get().to(api::receipt))
                    .route("/checkpoints", web::get().to(api::checkpoints))
                    .route("/assets", web::get().to(assets::asset_hashes))
                    .route("/keys", web::get().to(api::public_keys))
                    .route("/kinds", web::get().to(api::kinds))
                    .route("/export", web::get().to(api::export)),
            )
            .default_service(web::to(|| async { ApiError::NotFound.error_response() }));
    }
}

/// Starts the service and blocks until it stops (Ctrl-C).
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config =
        Config::load(&args).map_err(|e| anyhow::anyhow!("错误 error [{}]: {e}", e.code()))?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(colour_logs())
        .init();
    if config.public_url.is_none() && config.bind.ip().is_unspecified() {
        tracing::warn!(
            "public_url is not set and bind {} names no address: the results board's QR code \
             will hold a relative link; set public_url (公示页二维码需要 public_url)",
            config.bind
        );
    }
    crate::procedure::set_hall_offset(config.timezone.1);
    let state = AppState::open(config.clone())
        .map_err(|e| anyhow::anyhow!("错误 error [{}]: {e}", e.code()))?;
    first_start(&state)?;
    auth::prepare();
    if config.demo {
        demo::load(&state).map_err(|e| anyhow::anyhow!("--demo: {e}"))?;
    }
    let state = web::Data::new(state);
    let bind = config.bind;
    let workers = if config.workers == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    } else {
        config.workers
    };
    let tls = match &config.tls {
        Some((cert, key)) => Some(
            tls::server_config(cert, key)
                .map_err(|e| anyhow::anyhow!("错误 error [{}]: {e}", e.code()))?,
        ),
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let connections_max = match connections::fit_to_open_files(config.connections_max) {
        Ok(n) => n,
        Err((n, why)) => {
            tracing::warn!("{why}");
            n
        }
    };
    let keep_alive = match config.keep_alive_seconds {
        0 => KeepAlive::Disabled,
        s => KeepAlive::Timeout(Duration::from_secs(s)),
    };
    let request_head_timeout = Duration::from_millis(config.request_head_timeout_ms);
    // actix times only a connection's first head; later ones are the idle watch's.
    let idle_max = Duration::from_secs(config.keep_alive_seconds) + request_head_timeout;
    actix_web::rt::System::new().block_on(async move {
        let s = state.clone();
        // The last `wrap` is the outermost: security headers on every answer, then counting,
        // then the body deadline (outside the cap, so that a refused connection's unread body
        // closes it too), then the connection cap and the requests in flight.
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(connections::admit))
                .wrap(from_fn(body_timeout::limit))
                .wrap(from_fn(count_requests))
                .wrap(from_fn(headers::security))
                .configure(configure(s.clone()))
        })
        .workers(workers)
        .client_request_timeout(request_head_timeout)
        .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
        .keep_alive(keep_alive)
        // Per worker: stop accepting, rather than run out of file descriptors.
        .max_connections(connections_max.div_ceil(workers).max(1))
        .on_connect(move |connection, extensions| {
            connections::on_connect(connection, extensions, idle_max)
        });
        let server = match tls {
            Some(t) => server.bind_rustls_0_23(bind, t)?,
            None => server.bind(bind)?,
        };
        tracing::info!(
            "scrutineer listening on {scheme}://{bind} (监票服务已启动); organiser page (组织者页面): {}",
            assets::page_url(&state.config, "/organiser")
        );
        server.run().await
    })?;
    Ok(())
}

/// How long a connection that is being closed may take to acknowledge it (actix's default,
/// set here so that it is visible).
const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Colour codes in the log only on a terminal, and not when `NO_COLOR` is set
/// (journald, files and pipes get plain lines).
fn colour_logs() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

async fn count_requests(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if let Some(s) = req.app_data::<web::Data<AppState>>() {
        s.metrics
            .requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    next.call(req).await
}

/// On the very first start: the first organiser account, whose one-time password is printed
/// once on the console (never logged), with the address of the organiser page whose sign-in
/// form takes it (and then asks for a new password). With `--demo` it is also kept in the
/// demo's owner-only passwords file.
fn first_start(state: &AppState) -> anyhow::Result<()> {
    if !state
        .records
        .accounts()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .is_empty()
    {
        return Ok(());
    }
    let password = auth::random_password().map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash = auth::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    state
        .records
        .create_account(&crate::records::Account {
            username: "organiser".into(),
            role: "organiser".into(),
            password_hash: hash,
            must_change_password: true,
            disabled: false,
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let page = assets::page_url(&state.config, "/organiser");
    println!("首次启动: 组织者账号 organiser, 一次性密码 / first start: organiser account “organiser”, one-time password:\n\n    {password}\n\n请用浏览器打开组织者页面 {page} , 在登录框输入用户名 organiser 和此密码; 页面随即要求设置新密码。此密码不会再显示。\nOpen the organiser page {page} in a browser and sign in there as “organiser” with this password; the page then asks for a new password. It is not shown again.");
    if state.config.demo {
        let file = demo::save_passwords(
            &state.config.data_dir,
            &[(
                "organiser".into(),
                password.clone(),
                "一次性密码, 首次登录时须修改 / one-time: changed at the first sign-in".into(),
            )],
        )
        .map_err(|e| anyhow::anyhow!("--demo: {e}"))?;
        println!(
            "--demo: 此密码也已写入 {} (仅本用户可读) / also written to {} (owner-only)",
            file.display(),
            file.display()
        );
    }
    Ok(())
}
