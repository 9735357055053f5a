//! The HTTP service.
//!
//! Architecture invariant: `server` is the only code that knows HTTP, sessions, roles and
//! configuration. What it serves today: a status page, `/healthz`, and `POST /api/v1/tally`
//! (the rules engine over HTTP, nothing stored). The ballot service (roles, log, kiosks) is
//! not built yet; see README "Not finished".

mod error;

use std::net::SocketAddr;

use actix_web::{web, App, HttpResponse, HttpServer, ResponseError};
use serde::Deserialize;

pub use error::ApiError;

use crate::record::{parse_ballots, parse_election, result_json};
use crate::rules::tally_election;

/// Largest request body accepted by default, in bytes.
pub const REQUEST_BYTES_MAX_DEFAULT: usize = 8 * 1024 * 1024;

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "SCRUTINEER_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Largest request body, in bytes.
    #[arg(long, env = "SCRUTINEER_REQUEST_BYTES_MAX", default_value_t = REQUEST_BYTES_MAX_DEFAULT)]
    pub request_bytes_max: usize,
    /// Worker threads (0: one per core).
    #[arg(long, env = "SCRUTINEER_WORKERS", default_value_t = 0)]
    pub workers: usize,
}

impl ServeArgs {
    /// Validates the whole configuration before anything starts.
    pub fn validate(&self) -> Result<(), String> {
        if self.request_bytes_max < 1024 || self.request_bytes_max > 1024 * 1024 * 1024 {
            return Err(format!(
                "--request-bytes-max {} must be between 1024 and 1073741824",
                self.request_bytes_max
            ));
        }
        if self.workers > 256 {
            return Err(format!("--workers {} must be at most 256", self.workers));
        }
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TallyRequest {
    spec: serde_json::Value,
    /// Ballots as JSON Lines text.
    ballots: String,
}

async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(include_str!("../../web/index.html"))
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

async fn tally(body: web::Json<TallyRequest>) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
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
pub fn configure(request_bytes_max: usize) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(
            web::JsonConfig::default()
                .limit(request_bytes_max)
                .error_handler(|err, _req| ApiError::from_json_error(&err).into()),
        )
        .route("/", web::get().to(index))
        .route("/healthz", web::get().to(healthz))
        .route("/api/v1/tally", web::post().to(tally))
        .default_service(web::to(|| async { ApiError::NotFound.error_response() }));
    }
}

/// Starts the service and blocks until it stops (Ctrl-C).
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    args.validate().map_err(anyhow::Error::msg)?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let limit = args.request_bytes_max;
    let bind = args.bind;
    let workers = if args.workers == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    } else {
        args.workers
    };
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || App::new().configure(configure(limit)))
            .workers(workers)
            .bind(bind)?;
        tracing::info!("scrutineer listening on http://{bind} (监票服务已启动)");
        server.run().await
    })?;
    Ok(())
}
