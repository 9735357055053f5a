//! The HTTP boundary: status code and error code for each kind of input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_web::{test, web, App};
use serde_json::{json, Value};

use scrutineer::server::{AppState, Config};

/// A service on a fresh temporary data directory with the given body limit.
fn state(limit: usize) -> web::Data<AppState> {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "scrutineer-http-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let config = Config {
        data_dir: dir.join("data"),
        keys_dir: dir.join("keys"),
        request_bytes_max: limit,
        ..Config::default()
    };
    web::Data::new(AppState::open(config).unwrap())
}

fn example(path: &str) -> String {
    std::fs::read_to_string(format!("{}/examples/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[actix_web::test]
async fn tally_endpoint_counts_the_example() {
    let app = test::init_service(
        App::new().configure(scrutineer::server::configure(state(8 * 1024 * 1024))),
    )
    .await;
    let spec: Value = serde_json::from_str(&example("township-party-congress/spec.json")).unwrap();
    let req = test::TestRequest::post()
        .uri("/api/v1/tally")
        .set_json(
            json!({"spec": spec, "ballots": example("township-party-congress/ballots.jsonl")}),
        )
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), 200);
    let body: Value = test::read_body_json(resp).await;
    assert_eq!(body["format"], "scrutineer.result/v1");
    assert_eq!(body["contests"][0]["elected"].as_array().unwrap().len(), 7);
}

async fn error_of(body: Vec<u8>, content_type: &str, limit: usize) -> (u16, Value) {
    let app =
        test::init_service(App::new().configure(scrutineer::server::configure(state(limit)))).await;
    let req = test::TestRequest::post()
        .uri("/api/v1/tally")
        .insert_header(("content-type", content_type))
        .set_payload(body)
        .to_request();
    let resp = test::call_service(&app, req).await;
    let status = resp.status().as_u16();
    (status, test::read_body_json(resp).await)
}

#[actix_web::test]
async fn bad_requests_get_stable_codes() {
    let spec: Value = serde_json::from_str(&example("township-party-congress/spec.json")).unwrap();
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({"spec": {"format": "nope"}, "ballots": ""}),
            422,
            "spec_format",
        ),
        (
            json!({"spec": spec, "ballots": "{\"contest\":\"zzz\"}\n"}),
            422,
            "unknown_contest",
        ),
        (json!({"spec": spec}), 400, "bad_json"),
    ];
    for (body, status, code) in cases {
        let (s, v) = error_of(
            serde_json::to_vec(&body).unwrap(),
            "application/json",
            1 << 20,
        )
        .await;
        assert_eq!((s, v["code"].as_str().unwrap()), (status, code), "{v}");
        assert!(!v["message"].as_str().unwrap().is_empty());
    }
    let (s, v) = error_of(b"{not json".to_vec(), "application/json", 1 << 20).await;
    assert_eq!((s, v["code"].as_str().unwrap()), (400, "bad_json"));
    let (s, v) = error_of(vec![b' '; 4096], "application/json", 1024).await;
    assert_eq!((s, v["code"].as_str().unwrap()), (413, "request_too_large"));
}

#[actix_web::test]
async fn status_page_health_and_unknown_paths() {
    let app =
        test::init_service(App::new().configure(scrutineer::server::configure(state(1 << 20))))
            .await;
    let resp = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
    assert_eq!(resp.status(), 200);
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(body.contains("监票 Scrutineer"));
    let resp =
        test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(resp.status(), 200);
    let resp = test::call_service(&app, test::TestRequest::get().uri("/nope").to_request()).await;
    assert_eq!(resp.status(), 404);
    let v: Value = test::read_body_json(resp).await;
    assert_eq!(v["code"], "not_found");
}

/// The public stateless tally is CPU work on whatever body it is given: it is limited per
/// client (`tallies_per_minute`), as exports and receipt lookups are.
#[actix_web::test]
async fn the_public_tally_is_limited_per_client() {
    let s = {
        let st = state(8 * 1024 * 1024);
        let dir = st.config.data_dir.clone();
        drop(st);
        let config = Config {
            data_dir: dir.clone(),
            keys_dir: dir.with_file_name("keys"),
            tallies_per_minute: 3,
            ..Config::default()
        };
        web::Data::new(AppState::open(config).unwrap())
    };
    let app = test::init_service(App::new().configure(scrutineer::server::configure(s))).await;
    let spec: Value = serde_json::from_str(&example("township-party-congress/spec.json")).unwrap();
    let mut codes = Vec::new();
    for _ in 0..4 {
        let req = test::TestRequest::post()
            .uri("/api/v1/tally")
            .set_json(json!({"spec": spec, "ballots": ""}))
            .to_request();
        let resp = test::call_service(&app, req).await;
        let status = resp.status().as_u16();
        let body: Value = test::read_body_json(resp).await;
        codes.push((status, body["code"].as_str().map(String::from)));
    }
    assert!(codes[..3].iter().all(|(s, _)| *s == 200), "{codes:?}");
    assert_eq!(codes[3], (429, Some("rate_limited".into())), "{codes:?}");
}
