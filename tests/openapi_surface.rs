//! What the API's description and routing must keep: every operation of `/api/openapi.json`
//! with its roles (`x-roles`), error codes (`x-error-codes`), request body type and answer
//! statuses, and every (method, path) the server actually routes. The snapshot is
//! `tests/snapshots/openapi_surface.txt`; `BLESS=1 cargo test --test openapi_surface` rewrites it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use actix_web::{test, web, App, HttpResponse};
use serde_json::Value;

use scrutineer::server::{AppState, Config};

const SNAPSHOT: &str = "tests/snapshots/openapi_surface.txt";
const UNROUTED: &str = "x-test-unrouted";

fn state() -> web::Data<AppState> {
    let dir = std::env::temp_dir().join(format!("scrutineer-surface-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = Config {
        data_dir: dir.join("data"),
        keys_dir: dir.join("keys"),
        ..Config::default()
    };
    web::Data::new(AppState::open(config).unwrap())
}

/// One line per operation: method, path, operation id, tag, roles, request body media type,
/// answer statuses, and per error status its codes.
fn operations(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let roles: Vec<&str> = op["x-roles"]
                .as_array()
                .expect("x-roles on every operation")
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            let body: Vec<String> = op["requestBody"]["content"]
                .as_object()
                .map(|c| {
                    let required = op["requestBody"]["required"].as_bool().unwrap_or(false);
                    c.keys()
                        .map(|k| format!("{k}{}", if required { "" } else { "?" }))
                        .collect()
                })
                .unwrap_or_default();
            let responses = op["responses"].as_object().unwrap();
            let statuses: Vec<&str> = responses.keys().map(|k| k.as_str()).collect();
            let mut line = format!(
                "{} {path} | id {} | tag {} | roles [{}] | body [{}] | answers [{}]",
                method.to_uppercase(),
                op["operationId"].as_str().unwrap_or("-"),
                op["tags"][0].as_str().unwrap_or("-"),
                roles.join(" "),
                body.join(" "),
                statuses.join(" "),
            );
            for (status, r) in responses {
                if let Some(codes) = r["x-error-codes"].as_array() {
                    let mut codes: Vec<&str> = codes.iter().map(|c| c.as_str().unwrap()).collect();
                    codes.sort_unstable();
                    line.push_str(&format!(" | {status} [{}]", codes.join(" ")));
                }
            }
            out.push(line);
        }
    }
    out.sort();
    out
}

#[actix_web::test]
async fn the_documented_and_routed_surface_is_kept() {
    let app = test::init_service(
        App::new()
            .configure(scrutineer::server::configure(state()))
            .default_service(web::to(|| async {
                HttpResponse::NotFound()
                    .insert_header((UNROUTED, "1"))
                    .finish()
            })),
    )
    .await;
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/api/openapi.json")
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let doc: Value = test::read_body_json(resp).await;
    let resp =
        test::call_service(&app, test::TestRequest::get().uri("/api/docs").to_request()).await;
    assert_eq!(resp.status(), 200);
    let mut lines = operations(&doc);
    // Every documented path, and the pages, asked with GET and with POST (parameters as `1`):
    // which of them the router sends to a handler.
    let mut paths: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    for page in [
        "/",
        "/kiosk",
        "/desk",
        "/organiser",
        "/teller",
        "/verify",
        "/auditor",
        "/favicon.ico",
        "/assets/css/app.css",
        "/nope",
        "/api/v1/nope",
    ] {
        paths.insert(page.to_string());
    }
    for path in &paths {
        let uri: String = path
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for method in ["GET", "POST"] {
            let req = match method {
                "GET" => test::TestRequest::get(),
                _ => test::TestRequest::post(),
            };
            let resp = test::call_service(&app, req.uri(&uri).to_request()).await;
            let routed = !resp.headers().contains_key(UNROUTED);
            let documented = doc["paths"][path.as_str()]
                .get(method.to_lowercase())
                .is_some();
            // Routes and document come from the same lists: every documented operation is
            // routed. (A documented POST-only resource may also answer GET with 405.)
            assert!(
                routed || !documented,
                "{method} {path} documented, not routed"
            );
            if routed {
                lines.push(format!("routed {method} {path}"));
            }
        }
    }
    let got = lines.join("\n") + "\n";
    let file = format!("{}/{SNAPSHOT}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&file, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&file).unwrap();
    let want_set: BTreeSet<&str> = want.lines().collect();
    let got_set: BTreeSet<&str> = got.lines().collect();
    let lost: Vec<&&str> = want_set.difference(&got_set).collect();
    let gained: Vec<&&str> = got_set.difference(&want_set).collect();
    assert!(
        lost.is_empty() && gained.is_empty(),
        "lost:\n{lost:#?}\ngained:\n{gained:#?}"
    );
}
