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
use actix_web::{web, App, HttpServer, ResponseError};

pub use config::{Config, ServeArgs};
pub use error::ApiError;
pub use state::AppState;

/// One area of the API: its routes and its part of the OpenAPI document, both from the one
/// list of handlers the area gives `openapi::area!`.
pub struct Area {
    pub configure: fn(&mut web::ServiceConfig, usize),
    pub paths: fn() -> utoipa::openapi::OpenApi,
}

/// Every area of the API. The pages (`/`, `/kiosk`, ..., `/assets/...`) are routed in
/// [`configure`] and are not part of the API document.
pub const AREAS: &[Area] = &[
    Area {
        configure: accounts::configure,
        paths: accounts::paths,
    },
    Area {
        configure: api::election::configure,
        paths: api::election::paths,
    },
    Area {
        configure: api::roll::configure,
        paths: api::roll::paths,
    },
    Area {
        configure: api::desk::configure,
        paths: api::desk::paths,
    },
    Area {
        configure: api::contests::configure,
        paths: api::contests::paths,
    },
    Area {
        configure: api::kiosk::configure,
        paths: api::kiosk::paths,
    },
    Area {
        configure: api::rounds::configure,
        paths: api::rounds::paths,
    },
    Area {
        configure: api::results::configure,
        paths: api::results::paths,
    },
    Area {
        configure: api::tally::configure,
        paths: api::tally::paths,
    },
    Area {
        configure: challenges::configure,
        paths: challenges::paths,
    },
    Area {
        configure: elections::configure,
        paths: elections::paths,
    },
    Area {
        configure: assets::configure,
        paths: assets::paths,
    },
    Area {
        configure: openapi::configure,
        paths: openapi::paths,
    },
];

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
                    .error_handler(|err, _req| {
                        ApiError::BadJson(format!(
                            "地址中的查询参数不对: {err} / the query in the address is wrong: {err}"
                        ))
                        .into()
                    }),
            )
            .app_data(
                web::PathConfig::default().error_handler(|_err, req| {
                    // A path that does not parse names no record: said as such, with the
                    // address.
                    ApiError::Invalid {
                        code: crate::codes::Code::NotFound,
                        message: format!(
                            "地址 {0} 中有一段不是有效的编号或名称 / a part of the address {0} is not a valid number or name",
                            req.path()
                        ),
                    }
                    .into()
                }),
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
            .configure(|cfg| {
                for area in AREAS {
                    (area.configure)(cfg, limit);
                }
            })
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
    // A proxy in front (trusted_proxies) does not close this port: only TLS or loopback do.
    if config.tls.is_none() && !config.bind.ip().is_loopback() {
        tracing::warn!(
            "serving plain HTTP on {}, an address others can reach: anyone on the hall's \
             network can read and change what the kiosks run (and so a vote before it is \
             encrypted) and take staff sessions; give --tls-cert and --tls-key, or bind to \
             127.0.0.1 behind a TLS proxy (deploy/README.md) (不加密的 HTTP 服务对局域网开放: \
             局域网上任何人都能读取和篡改投票机运行的代码 (从而在加密前看到选票) 并盗用工作人员的\
             会话; 请配置 TLS, 或只监听本机并由 TLS 代理转发)",
            config.bind
        );
    }
    crate::procedure::set_hall_offset(config.timezone.1);
    // The address is taken before anything is created or printed: a first start on a port
    // in use must not print the organiser's one-time password and then stop, leaving an
    // account whose password nobody will see again.
    // So is the TLS certificate read: a wrong path is said before anything is created.
    let tls = match &config.tls {
        Some((cert, key)) => Some(
            tls::server_config(cert, key)
                .map_err(|e| anyhow::anyhow!("错误 error [{}]: {e}", e.code()))?,
        ),
        None => None,
    };
    let listener = listen(config.bind).map_err(|e| {
        let (zh, en) = match e.kind() {
            std::io::ErrorKind::PermissionDenied => (
                "没有权限监听此端口 (1024 以下的端口需要特权): 请用 1024 以上的端口, 或按 deploy/README.md 授权",
                "no permission to listen on this port (ports below 1024 need privileges): use a port above 1024, or grant it as deploy/README.md says",
            ),
            std::io::ErrorKind::AddrInUse => (
                "端口已被占用 (另一个服务正在运行?): 请停止占用它的程序, 或用 --bind 换一个端口",
                "the port is in use (is another service running?): stop what holds it, or choose another with --bind",
            ),
            _ => (
                "地址不属于本机或不可用: 请用 --bind 给出本机的地址",
                "the address is not this machine's or cannot be used: give one of this machine's addresses with --bind",
            ),
        };
        anyhow::anyhow!(
            "错误 error [{}]: 无法监听 {} ({e}): {zh} / cannot listen on {} ({e}): {en}",
            crate::codes::Code::BindFailed,
            config.bind,
            config.bind
        )
    })?;
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
            Some(t) => server.listen_rustls_0_23(listener, t)?,
            None => server.listen(listener)?,
        };
        tracing::info!(
            "scrutineer listening on {scheme}://{bind} (监票服务已启动); organiser page (组织者页面): {}",
            assets::page_url(&state.config, "/organiser")
        );
        server.run().await
    })?;
    Ok(())
}

/// A listening socket on `addr` as actix-web's own bind makes one (address reuse, a backlog
/// of 1,024), taken before the service creates anything.
fn listen(addr: std::net::SocketAddr) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    Ok(socket.into())
}

/// Connections the kernel queues before the service accepts them (actix-web's default).
const LISTEN_BACKLOG: i32 = 1024;

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
    let accounts = state
        .records
        .accounts()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if !accounts.is_empty() {
        // No organiser has signed in yet (each still holds the one-time password printed
        // once, perhaps at a start that then failed): say how to get a new one.
        let organisers = accounts
            .iter()
            .filter(|a| a.role == "organiser" && !a.disabled);
        if organisers.clone().count() > 0 && organisers.clone().all(|a| a.must_change_password) {
            let names: Vec<&str> = organisers.map(|a| a.username.as_str()).collect();
            println!(
                "组织者账号 {0} 还没有人登录过 (首次启动时打印的密码只显示一次)。如密码已丢失: 停止服务后运行 \
                 scrutineer accounts --data {1} reset-password {2} , 它会打印一个新密码供登录。\n\
                 No organiser has signed in yet ({0}; the password printed at the first start is \
                 shown only once). If it is lost: stop the service and run scrutineer accounts \
                 --data {1} reset-password {2} , which prints a new one to sign in with.",
                names.join(", "),
                state.config.data_dir.display(),
                names[0],
            );
        }
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
