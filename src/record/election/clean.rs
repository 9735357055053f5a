//! Names in a spec put in their canonical form (record/names.rs) before anything else reads them.

use super::*;

/// Replaces the name at `v[key]` (when it is a non-blank string) by its canonical form. A
/// blank one is left for the rules to refuse or default as before (`empty_name`, a kind's
/// label for a title).
pub(super) fn clean_at(
    v: &mut serde_json::Value,
    key: &str,
    zh: &str,
    en: &str,
) -> Result<(), SpecError> {
    let Some(slot) = v.get_mut(key) else {
        return Ok(());
    };
    let Some(raw) = slot.as_str() else {
        return Ok(());
    };
    match clean_name(raw) {
        Ok(clean) => {
            *slot = serde_json::Value::String(clean);
            Ok(())
        }
        Err(NameError::Empty) => Ok(()),
        Err(source) => Err(SpecError::Name {
            message: source.about(zh, en),
            source,
        }),
    }
}

/// Checks the id at `v["id"]` for hidden characters (ids are not changed).
pub(super) fn check_id_at(v: &serde_json::Value, zh: &str, en: &str) -> Result<String, SpecError> {
    let id = v.get("id").and_then(|i| i.as_str()).unwrap_or_default();
    check_id_characters(id).map_err(|source| SpecError::Name {
        message: source.about(zh, en),
        source,
    })?;
    Ok(id.to_string())
}

pub(super) fn each<'a>(
    v: &'a mut serde_json::Value,
    key: &str,
) -> impl Iterator<Item = &'a mut serde_json::Value> + 'a {
    v.get_mut(key)
        .and_then(|a| a.as_array_mut())
        .into_iter()
        .flatten()
}

/// Puts every name of one contest (title, candidates' names, subjects' names, evaluator
/// groups' titles) in its canonical form, refusing a name `clean_name` refuses or an id
/// with a hidden character.
pub fn clean_contest(c: &mut serde_json::Value) -> Result<(), SpecError> {
    let cid = check_id_at(c, "选举项目 id", "a contest id")?;
    clean_at(
        c,
        "title",
        &format!("选举项目 “{cid}” 的名称"),
        &format!("the title of contest “{cid}”"),
    )?;
    for cand in each(c, "candidates") {
        let id = check_id_at(
            cand,
            &format!("选举项目 “{cid}” 的候选人 id"),
            &format!("a candidate id of contest “{cid}”"),
        )?;
        clean_at(
            cand,
            "name",
            &format!("选举项目 “{cid}” 候选人 “{id}” 的姓名"),
            &format!("the name of candidate “{id}” of contest “{cid}”"),
        )?;
    }
    for subject in each(c, "subjects") {
        let id = check_id_at(
            subject,
            &format!("测评项目 “{cid}” 的测评对象 id"),
            &format!("a subject id of evaluation “{cid}”"),
        )?;
        clean_at(
            subject,
            "name",
            &format!("测评项目 “{cid}” 测评对象 “{id}” 的姓名"),
            &format!("the name of subject “{id}” of evaluation “{cid}”"),
        )?;
    }
    for group in each(c, "groups") {
        let id = check_id_at(
            group,
            &format!("测评项目 “{cid}” 的测评组 id"),
            &format!("a group id of evaluation “{cid}”"),
        )?;
        clean_at(
            group,
            "title",
            &format!("测评项目 “{cid}” 测评组 “{id}” 的名称"),
            &format!("the title of group “{id}” of evaluation “{cid}”"),
        )?;
    }
    Ok(())
}

/// Puts every name of a spec in its canonical form (`names::clean_name`): the election's
/// title, each contest's ([`clean_contest`]), each ranking's title, subjects and component
/// titles. This is the spec as the service logs it, so that reading it back
/// ([`parse_logged_election`]) gives the names the input check gave.
pub fn clean_spec(spec: &mut serde_json::Value) -> Result<(), SpecError> {
    check_id_at(spec, "选举 id", "the election id")?;
    clean_at(spec, "title", "选举名称", "the election title")?;
    for c in each(spec, "contests") {
        clean_contest(c)?;
    }
    for r in each(spec, "rankings") {
        let rid = check_id_at(r, "综合排名 id", "a ranking id")?;
        clean_at(
            r,
            "title",
            &format!("综合排名 “{rid}” 的名称"),
            &format!("the title of ranking “{rid}”"),
        )?;
        for subject in each(r, "subjects") {
            let id = check_id_at(
                subject,
                &format!("综合排名 “{rid}” 的对象 id"),
                &format!("a subject id of ranking “{rid}”"),
            )?;
            clean_at(
                subject,
                "name",
                &format!("综合排名 “{rid}” 对象 “{id}” 的姓名"),
                &format!("the name of subject “{id}” of ranking “{rid}”"),
            )?;
        }
        for component in each(r, "components") {
            let id = check_id_at(
                component,
                &format!("综合排名 “{rid}” 的组成项 id"),
                &format!("a component id of ranking “{rid}”"),
            )?;
            clean_at(
                component,
                "title",
                &format!("综合排名 “{rid}” 组成项 “{id}” 的名称"),
                &format!("the title of component “{id}” of ranking “{rid}”"),
            )?;
        }
    }
    Ok(())
}

/// A new round's ballot style with its title and unit in canonical form (a blank one is left
/// as it is), as the ledger logs it and `record::rounds` builds it.
pub fn clean_style(
    mut style: crate::record::entry::Style,
) -> Result<crate::record::entry::Style, SpecError> {
    for (field, zh, en) in [
        (&mut style.title, "选票样式的名称", "a ballot style's title"),
        (
            &mut style.unit,
            "选票样式的选区/选举单位",
            "a ballot style's unit",
        ),
    ] {
        match clean_name(field) {
            Ok(clean) => *field = clean,
            Err(NameError::Empty) => {}
            Err(source) => {
                return Err(SpecError::Name {
                    message: source.about(zh, en),
                    source,
                })
            }
        }
    }
    Ok(style)
}
