//! Ballots as JSON Lines (docs/FORMATS.md): one object per ballot.
//!
//! `{"contest": ID, "marks": {CANDIDATE_ID: "for"|"against"|"abstain"}, "write_ins": [NAME]}`
//! or, for evaluations, `{"contest": ID, "group": GROUP_ID, "ratings": {SUBJECT_ID: GRADE}}`.

use crate::codes::Code;
use serde::Deserialize;
use std::io::{BufRead, Read};

use super::names::{clean_name, NameError, Names};
use super::text::Pairs;
use crate::rules::{Ballot, CandidateBallot, Election, EvaluationBallot, Mark};

/// Longest ballot line accepted, in bytes.
pub const BALLOT_LINE_BYTES_MAX: usize = 64 * 1024;
/// Most ballots one file may hold.
pub const BALLOTS_PER_FILE_MAX: usize = 50_000_000;

/// A ballot line that cannot be read; `line` is 1-based.
#[derive(Debug, thiserror::Error)]
#[error("选票文件第 {line} 行 / ballot line {line}: {message}")]
pub struct BallotError {
    pub line: usize,
    pub code: Code,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BallotV1 {
    contest: String,
    #[serde(default)]
    marks: Option<Pairs>,
    #[serde(default)]
    write_ins: Option<Vec<String>>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    ratings: Option<Pairs>,
    /// A rated-score evaluation: subject → whole score from 0 to the contest's `score_max`.
    #[serde(default)]
    scores: Option<Pairs<u32>>,
}

fn err(line: usize, code: Code, message: impl Into<String>) -> BallotError {
    BallotError {
        line,
        code,
        message: message.into(),
    }
}

/// Parses one ballot line against the election. Returns the contest index and the ballot.
///
/// `names`: [`Names::Clean`] for a ballot being cast or keyed in (each write-in in its
/// canonical form, or the line refused: `name_format_character`, `name_control_character`);
/// [`Names::AsLogged`] for a ballot read back from a log, whose write-ins are taken as they
/// were logged (trimmed), so that logs written before write-ins were cleaned still replay.
pub fn parse_ballot_line(
    election: &Election,
    line_no: usize,
    text: &str,
    names: Names,
) -> Result<(usize, Ballot), BallotError> {
    let b: BallotV1 = serde_json::from_str(text).map_err(|e| {
        err(
            line_no,
            Code::BallotJson,
            format!("不是有效的选票 JSON: {e} / not a valid ballot object: {e}"),
        )
    })?;
    let ci = election.contest_index(&b.contest).ok_or_else(|| {
        err(
            line_no,
            Code::UnknownContest,
            format!(
                "选举项目 “{}” 不存在 / no contest “{}”",
                b.contest, b.contest
            ),
        )
    })?;
    let contest = &election.contests[ci];
    if let Some(setup) = contest.evaluation() {
        if b.marks.is_some() || b.write_ins.is_some() {
            return Err(err(
                line_no,
                Code::BallotShape,
                format!("测评项目 “{}” 的选票应有 ratings, 不能有 marks 或 write_ins / evaluation “{}” takes ratings, not marks or write_ins", contest.id(), contest.id()),
            ));
        }
        let group = match (&b.group, setup.groups.is_empty()) {
            (None, true) => None,
            (Some(g), false) => Some(setup.group_index(g).ok_or_else(|| {
                err(line_no, Code::UnknownGroup, format!("测评组 “{g}” 不存在 / no group “{g}”"))
            })?),
            (None, false) => {
                return Err(err(line_no, Code::GroupMissing, "此测评分组计票, 选票须写明 group / this evaluation counts by group: the ballot needs a group"))
            }
            (Some(g), true) => {
                return Err(err(line_no, Code::UnknownGroup, format!("此测评没有分组, 但选票写了 “{g}” / this evaluation has no groups but the ballot names “{g}”")))
            }
        };
        if setup.score.is_some() && b.ratings.is_some() {
            return Err(err(
                line_no,
                Code::BallotShape,
                format!("测评项目 “{}” 按打分测评, 选票应有 scores, 不能有 ratings / evaluation “{}” is rated by score: it takes scores, not ratings", contest.id(), contest.id()),
            ));
        }
        let mut ratings = Vec::new();
        for (subject, grade) in b.ratings.map(|p| p.0).unwrap_or_default() {
            let s = setup.subject_index(&subject).ok_or_else(|| {
                err(
                    line_no,
                    Code::UnknownSubject,
                    format!("测评对象 “{subject}” 不存在 / no subject “{subject}”"),
                )
            })?;
            let g = setup.scale.grade_index(&grade).ok_or_else(|| {
                err(
                    line_no,
                    Code::UnknownGrade,
                    format!(
                        "等次 “{grade}” 不属于 {} 量表 ({}) / grade “{grade}” is not on the {} scale ({})",
                        setup.scale.id(),
                        setup.scale.keys().join(", "),
                        setup.scale.id(),
                        setup.scale.keys().join(", ")
                    ),
                )
            })?;
            ratings.push((s, g));
        }
        let mut scores = Vec::new();
        match (&setup.score, b.scores) {
            (None, Some(_)) => {
                return Err(err(
                    line_no,
                    Code::BallotShape,
                    format!("测评项目 “{}” 按等次测评, 选票应有 ratings, 不能有 scores / evaluation “{}” is graded: it takes ratings, not scores", contest.id(), contest.id()),
                ))
            }
            (Some(rule), Some(pairs)) => {
                for (subject, score) in pairs.0 {
                    let s = setup.subject_index(&subject).ok_or_else(|| {
                        err(
                            line_no,
                            Code::UnknownSubject,
                            format!("测评对象 “{subject}” 不存在 / no subject “{subject}”"),
                        )
                    })?;
                    if score > rule.max {
                        return Err(err(
                            line_no,
                            Code::ScoreOutOfRange,
                            format!(
                                "“{subject}” 的得分 {score} 超出 0 至 {} / the score {score} of “{subject}” is outside 0 to {}",
                                rule.max, rule.max
                            ),
                        ));
                    }
                    scores.push((s, score));
                }
            }
            (_, None) => {}
        }
        return Ok((
            ci,
            Ballot::Evaluation(EvaluationBallot {
                group,
                ratings,
                scores,
            }),
        ));
    }
    if b.ratings.is_some() || b.scores.is_some() || b.group.is_some() {
        return Err(err(
            line_no,
            Code::BallotShape,
            format!("选举项目 “{}” 的选票应有 marks, 不能有 ratings 或 group / contest “{}” takes marks, not ratings or group", contest.id(), contest.id()),
        ));
    }
    let mut marks = Vec::new();
    for (cand, mark) in b.marks.map(|p| p.0).unwrap_or_default() {
        let i = contest.candidate_index(&cand).ok_or_else(|| {
            err(
                line_no,
                Code::UnknownCandidate,
                format!(
                    "候选人 “{cand}” 不在 “{}” 的名单中 / no candidate “{cand}” in “{}”",
                    contest.id(),
                    contest.id()
                ),
            )
        })?;
        let m = match mark.as_str() {
            "for" => Mark::For,
            "against" => Mark::Against,
            "abstain" => Mark::Abstain,
            other => {
                return Err(err(
                    line_no,
                    Code::UnknownMark,
                    format!("标记 “{other}” 无效, 应为 for / against / abstain / mark “{other}” must be for, against or abstain"),
                ))
            }
        };
        marks.push((i, m));
    }
    let mut write_ins = Vec::new();
    for (n, w) in b.write_ins.unwrap_or_default().into_iter().enumerate() {
        let name = match names {
            Names::AsLogged => w.trim().to_string(),
            Names::Clean => match clean_name(&w) {
                Ok(name) => name,
                Err(NameError::Empty) => String::new(),
                Err(e) => {
                    let n = n + 1;
                    return Err(err(
                        line_no,
                        e.code(),
                        e.about(&format!("第 {n} 个另选人的姓名"), &format!("write-in {n}")),
                    ));
                }
            },
        };
        if name.is_empty()
            || name.chars().count() > crate::rules::contest::NAME_CHARS_MAX
            || name.chars().any(char::is_control)
        {
            return Err(err(line_no, Code::BadWriteIn, format!("另选人姓名 “{name}” 无效 / write-in “{name}” is empty, too long or has control characters")));
        }
        write_ins.push(name);
    }
    Ok((ci, Ballot::Candidates(CandidateBallot { marks, write_ins })))
}

/// A ballot line as it is cast or keyed in: parsed with [`Names::Clean`], and the line as it
/// is to be logged, its `write_ins` replaced by their canonical forms (the rest as given).
/// Read back with [`Names::AsLogged`], the logged line gives the same ballot.
pub fn clean_ballot_line(
    election: &Election,
    line_no: usize,
    line: &serde_json::Value,
) -> Result<(usize, Ballot, serde_json::Value), BallotError> {
    let (ci, ballot) = parse_ballot_line(election, line_no, &line.to_string(), Names::Clean)?;
    let mut logged = line.clone();
    if let (Ballot::Candidates(b), Some(w)) = (&ballot, logged.get_mut("write_ins")) {
        *w = serde_json::Value::from(b.write_ins.clone());
    }
    Ok((ci, ballot, logged))
}

/// Reads a whole JSON Lines file of ballots given as input ([`Names::Clean`]); blank lines
/// are skipped. Any bad line refuses the file. A line is never read past
/// [`BALLOT_LINE_BYTES_MAX`], so one huge line cannot exhaust memory.
pub fn parse_ballots<R: BufRead>(
    election: &Election,
    reader: R,
) -> Result<Vec<Vec<Ballot>>, BallotError> {
    read_ballots(election, reader, Names::Clean)
}

/// Reads ballot lines taken from a log ([`Names::AsLogged`]), as [`parse_ballots`] does.
pub fn parse_logged_ballots<R: BufRead>(
    election: &Election,
    reader: R,
) -> Result<Vec<Vec<Ballot>>, BallotError> {
    read_ballots(election, reader, Names::AsLogged)
}

fn read_ballots<R: BufRead>(
    election: &Election,
    mut reader: R,
    names: Names,
) -> Result<Vec<Vec<Ballot>>, BallotError> {
    let mut out: Vec<Vec<Ballot>> = vec![Vec::new(); election.contests.len()];
    let mut count = 0usize;
    let mut buf = Vec::with_capacity(1024);
    let mut line_no = 0usize;
    loop {
        line_no += 1;
        buf.clear();
        let limit = (BALLOT_LINE_BYTES_MAX + 1) as u64;
        let n = (&mut reader)
            .take(limit)
            .read_until(b'\n', &mut buf)
            .map_err(|e| err(line_no, Code::ReadError, e.to_string()))?;
        if n == 0 {
            break;
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        } else if buf.len() > BALLOT_LINE_BYTES_MAX {
            return Err(err(
                line_no,
                Code::LineTooLong,
                format!(
                    "超过 {BALLOT_LINE_BYTES_MAX} 字节 / longer than {BALLOT_LINE_BYTES_MAX} bytes"
                ),
            ));
        }
        let text = std::str::from_utf8(&buf)
            .map_err(|_| err(line_no, Code::NotUtf8, "不是 UTF-8 文本 / not UTF-8 text"))?;
        if text.trim().is_empty() {
            continue;
        }
        count += 1;
        if count > BALLOTS_PER_FILE_MAX {
            return Err(err(
                line_no,
                Code::TooManyBallots,
                format!(
                    "超过 {BALLOTS_PER_FILE_MAX} 张选票 / more than {BALLOTS_PER_FILE_MAX} ballots"
                ),
            ));
        }
        let (ci, ballot) =
            parse_ballot_line(election, line_no, text.trim_end_matches('\r'), names)?;
        out[ci].push(ballot);
    }
    Ok(out)
}
