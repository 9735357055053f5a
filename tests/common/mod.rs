//! Shared helpers: build specs and ballots as wire JSON, count them through the public
//! formats, and look into the result document.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{json, Value};

use scrutineer::record::{parse_ballots, parse_election, result_json};
use scrutineer::rules::tally_election;

/// A contest whose candidate ids are their names.
pub fn contest(
    id: &str,
    kind: &str,
    seats: u32,
    candidates: &[&str],
    turnout: (u64, u64, u64),
) -> Value {
    json!({
        "id": id,
        "kind": kind,
        "seats": seats,
        "candidates": candidates.iter().map(|c| json!({"id": c, "name": c})).collect::<Vec<_>>(),
        "turnout": {"eligible": turnout.0, "present": turnout.1, "ballots_issued": turnout.2},
    })
}

pub fn spec(contests: Vec<Value>) -> Value {
    json!({"format": "scrutineer.election/v1", "id": "test-election", "title": "测试", "contests": contests})
}

/// `n` copies of a ballot marking `marks` (candidate, "for"/"against"/"abstain").
pub fn ballots(n: usize, contest: &str, marks: &[(&str, &str)], write_ins: &[&str]) -> Vec<Value> {
    let m: serde_json::Map<String, Value> = marks
        .iter()
        .map(|(c, v)| (c.to_string(), json!(v)))
        .collect();
    (0..n)
        .map(|_| json!({"contest": contest, "marks": m, "write_ins": write_ins}))
        .collect()
}

pub fn eval_ballots(
    n: usize,
    contest: &str,
    group: Option<&str>,
    ratings: &[(&str, &str)],
) -> Vec<Value> {
    let r: serde_json::Map<String, Value> = ratings
        .iter()
        .map(|(s, g)| (s.to_string(), json!(g)))
        .collect();
    (0..n)
        .map(|_| match group {
            Some(g) => json!({"contest": contest, "group": g, "ratings": r}),
            None => json!({"contest": contest, "ratings": r}),
        })
        .collect()
}

pub fn jsonl(ballots: &[Value]) -> String {
    ballots.iter().map(|b| format!("{b}\n")).collect()
}

/// Counts through the public formats and returns the result document.
pub fn tally(spec: &Value, ballots: &[Value]) -> Value {
    let election =
        parse_election(spec.to_string().as_bytes()).unwrap_or_else(|e| panic!("spec refused: {e}"));
    let by_contest = parse_ballots(&election, jsonl(ballots).as_bytes())
        .unwrap_or_else(|e| panic!("ballots refused: {e}"));
    result_json(&election, &tally_election(&election, &by_contest))
}

/// The code and message of a refused spec.
pub fn spec_error(spec: &Value) -> (String, String) {
    match parse_election(spec.to_string().as_bytes()) {
        Ok(_) => panic!("spec accepted, expected a refusal"),
        Err(e) => (e.code().to_string(), e.to_string()),
    }
}

pub fn contest_result<'a>(result: &'a Value, id: &str) -> &'a Value {
    result["contests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no contest {id}"))
}

pub fn candidate<'a>(contest: &'a Value, id: &str) -> &'a Value {
    contest["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no candidate {id}"))
}

pub fn status(contest: &Value, id: &str) -> String {
    candidate(contest, id)["status"]
        .as_str()
        .unwrap()
        .to_string()
}

pub fn codes(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap().to_string())
        .collect()
}

pub fn strings(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}
