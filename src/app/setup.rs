//! The evaluator's and the administrator's writes: publishing a survey,
//! studies and waves, rosters, codes, earlier answers, moving a wave
//! forward, queueing mail, accounts and units. The command line, the staff
//! pages and the API all call these, so they run the same checks; each
//! takes its actor and writes its audit entry in the same transaction as
//! the change, so nothing is changed unaudited and nothing audited is
//! left half-done.

use crate::auth::{Role, hash_password};
use crate::email::Email;
use crate::responses::{ReadOptions, RowSink};
use crate::said::Said;
use crate::scoring::Answer;
use crate::store::invitations::{self, Replace};
use crate::store::outbox::{self, ReminderRule, now_ms};
use crate::store::pool::write_as;
use crate::store::studies::{self, NewStudy, NewWave, Study, Wave, WaveState};
use crate::store::surveys::{self, Published};
use crate::store::{DbConnection, accounts, codes, responses, units};
use crate::survey;
use crate::token::Secret;

use super::{Actor, Error, Result};

/// Runs `work` and writes its audit entry (the detail it returns) in one
/// transaction.
pub(super) fn audited<T>(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    work: impl FnOnce(&mut DbConnection) -> Result<(T, String)>,
) -> Result<T> {
    write_as(conn, |c| {
        let (value, detail) = work(c)?;
        accounts::audit(c, &actor.to_string(), action, &detail, now_ms())?;
        Ok(value)
    })
}

/// An uploaded file or request body as text: not empty, UTF-8; `name`
/// names it in the message.
pub fn text<'a>(bytes: &'a [u8], name: &str) -> Result<&'a str> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        Error::invalid(crate::said!(
            "{name} is not UTF-8 text (at byte {at}); save it as UTF-8",
            "{name} är inte UTF-8-text (vid byte {at}); spara den som UTF-8"
        ))
    })?;
    if text.trim().is_empty() {
        return Err(Error::invalid(crate::said!(
            "{name} is empty: choose the file to upload",
            "{name} är tom: välj filen att ladda upp"
        )));
    }
    Ok(text)
}

/// A survey file's problems as messages: `file:line:column: message`, and
/// the help on its own line.
pub fn survey_problems(e: &survey::LoadError, file: &str) -> Vec<Said> {
    e.problems()
        .iter()
        .map(|p| {
            let at = format!(
                "{file}:{}:{}: {}",
                p.location.line, p.location.column, p.message
            );
            Said::both(match &p.help {
                Some(h) => format!("{at} (help: {h})"),
                None => at,
            })
        })
        .collect()
}

/// A survey file checked, as `klimat survey check` does it.
pub fn check_survey(source: &str, file: &str) -> Result<survey::Survey> {
    survey::parse(source, file).map_err(|e| {
        let problems = survey_problems(&e, file);
        let n = problems.len();
        Error::Invalid {
            reason: crate::said!(
                "{file} is not a valid survey ({n} problem(s)); nothing was published",
                "{file} är ingen giltig enkät ({n} problem); inget publicerades"
            ),
            problems,
        }
    })
}

/// Publishes a survey file; the same content again changes nothing.
pub fn publish_survey(
    conn: &mut DbConnection,
    actor: &Actor,
    source: &str,
    file: &str,
) -> Result<Published> {
    let survey = check_survey(source, file)?;
    audited(conn, actor, "survey.publish", |c| {
        let published = surveys::publish(c, &survey, source)?;
        let detail = match &published {
            Published::New(v) => format!("{} v{} ({})", v.key, v.version, v.hash),
            Published::Unchanged(v) => format!("{} v{} unchanged", v.key, v.version),
        };
        Ok((published, detail))
    })
}

fn arms_detail(new: &NewStudy) -> String {
    format!(
        "survey {}, pilot {}, control {}, intervention {}",
        new.survey_key,
        new.pilot.join(","),
        new.control.join(","),
        new.intervention_date
    )
}

/// The arms as the study holds them: a division named in an arm brings
/// every unit under it, unless one further down is named in the other arm
/// (the staff form does the same). Codes named in both arms, or not in the
/// tree, are kept as entered for the store to refuse.
fn arms_over_tree(conn: &mut DbConnection, new: &NewStudy) -> Result<NewStudy> {
    let all = units::all(conn)?;
    let mut expanded = new.clone();
    if new.pilot.iter().any(|p| new.control.contains(p)) {
        return Ok(expanded);
    }
    let (pilot, control) = expand_arms(&all, |code| {
        if new.pilot.iter().any(|p| p == code) {
            Some("pilot")
        } else if new.control.iter().any(|c| c == code) {
            Some("control")
        } else {
            None
        }
    });
    let unknown = |codes: &[String]| -> Vec<String> {
        codes
            .iter()
            .filter(|c| !all.iter().any(|u| u.code == **c))
            .cloned()
            .collect()
    };
    expanded.pilot = pilot.into_iter().chain(unknown(&new.pilot)).collect();
    expanded.control = control.into_iter().chain(unknown(&new.control)).collect();
    Ok(expanded)
}

pub fn create_study(conn: &mut DbConnection, actor: &Actor, new: &NewStudy) -> Result<Study> {
    audited(conn, actor, "study.create", |c| {
        let new = &arms_over_tree(c, new)?;
        let study = studies::create(c, new)?;
        Ok((study, format!("study {}: {}", new.name, arms_detail(new))))
    })
}

pub fn update_study(
    conn: &mut DbConnection,
    actor: &Actor,
    study: &str,
    new: &NewStudy,
) -> Result<Study> {
    audited(conn, actor, "study.update", |c| {
        let new = &arms_over_tree(c, new)?;
        let current = studies::by_name(c, study)?;
        let study = studies::update(c, &current, new)?;
        Ok((study, format!("study {}: {}", new.name, arms_detail(new))))
    })
}

/// Records adoption dates of a study's units (`None` removes one), all or
/// nothing; the audit entry lists every change.
pub fn adopt(
    conn: &mut DbConnection,
    actor: &Actor,
    study: &str,
    dates: &[(String, Option<String>)],
) -> Result<Vec<crate::store::adoptions::Change>> {
    audited(conn, actor, "study.adopt", |c| {
        let current = studies::by_name(c, study)?;
        let made = crate::store::adoptions::record(c, &current, dates)?;
        let detail: Vec<String> = made
            .iter()
            .map(|m| {
                format!(
                    "{}: {} → {}",
                    m.unit,
                    m.previous.as_deref().unwrap_or("none"),
                    m.adopted_on.as_deref().unwrap_or("none")
                )
            })
            .collect();
        Ok((made, format!("study {study}: {}", detail.join(", "))))
    })
}

/// Records a study's randomised adoption order, once (audited).
pub fn record_schedule(
    conn: &mut DbConnection,
    actor: &Actor,
    study: &str,
    schedule: &crate::evaluation::rollout::schedule::Schedule,
) -> Result<()> {
    audited(conn, actor, "study.schedule", |c| {
        let current = studies::by_name(c, study)?;
        let json = serde_json::to_string(schedule).expect("a schedule serialises");
        crate::store::adoptions::record_schedule(c, &current, &json, &schedule.hash)?;
        Ok((
            (),
            format!(
                "study {study}: schedule seed {} hash {}",
                schedule.request.seed, schedule.hash
            ),
        ))
    })
}

pub fn delete_study(conn: &mut DbConnection, actor: &Actor, study: &str) -> Result<()> {
    audited(conn, actor, "study.delete", |c| {
        let current = studies::by_name(c, study)?;
        studies::delete(c, &current)?;
        Ok(((), format!("study {study}")))
    })
}

fn wave_detail(w: &Wave) -> String {
    format!("wave {} ({})", w.name, w.id)
}

pub fn create_wave(
    conn: &mut DbConnection,
    actor: &Actor,
    study: &str,
    new: &NewWave,
) -> Result<Wave> {
    audited(conn, actor, "wave.create", |c| {
        let study = studies::by_name(c, study)?;
        let w = studies::create_wave(c, &study, new)?;
        let detail = format!(
            "{} of study {}: {} to {}, minimum group size {}",
            wave_detail(&w),
            study.name,
            w.opens_on.as_deref().unwrap_or(""),
            w.closes_on.as_deref().unwrap_or(""),
            w.min_group_size
        );
        Ok((w, detail))
    })
}

pub fn update_wave(conn: &mut DbConnection, actor: &Actor, id: i64, new: &NewWave) -> Result<Wave> {
    audited(conn, actor, "wave.update", |c| {
        let current = studies::wave_by_id(c, id)?;
        let w = studies::update_wave(c, &current, new)?;
        let detail = format!(
            "{}: {} to {}, minimum group size {}",
            wave_detail(&w),
            w.opens_on.as_deref().unwrap_or(""),
            w.closes_on.as_deref().unwrap_or(""),
            w.min_group_size
        );
        Ok((w, detail))
    })
}

pub fn delete_wave(conn: &mut DbConnection, actor: &Actor, id: i64) -> Result<()> {
    audited(conn, actor, "wave.delete", |c| {
        let current = studies::wave_by_id(c, id)?;
        studies::delete_wave(c, &current)?;
        Ok(((), wave_detail(&current)))
    })
}

/// Opens a draft wave (its roster freezes) or closes an open one (drafts
/// and queued mail are deleted, the rows rewritten in key order).
pub fn move_wave(conn: &mut DbConnection, actor: &Actor, id: i64, to: WaveState) -> Result<Wave> {
    let action = match to {
        WaveState::Open => "wave.open",
        WaveState::Closed => "wave.close",
        WaveState::Draft => "wave.draft",
    };
    audited(conn, actor, action, |c| {
        let current = studies::wave_by_id(c, id)?;
        let w = studies::set_state(c, &current, to)?;
        let detail = wave_detail(&w);
        Ok((w, detail))
    })
}

/// Queues an invitation for everyone on the roster who has none yet.
pub fn send(conn: &mut DbConnection, actor: &Actor, id: i64, secret: &Secret) -> Result<usize> {
    audited(conn, actor, "wave.send", |c| {
        let w = studies::wave_by_id(c, id)?;
        let n = outbox::queue_invitations(c, &w, secret)?;
        Ok((n, format!("{}: {n}", wave_detail(&w))))
    })
}

/// Queues reminders by `rule`.
pub fn remind(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    rule: ReminderRule,
) -> Result<usize> {
    if rule.max_reminders == 0 || rule.max_reminders > 5 || rule.min_days > 60 {
        return Err(Error::invalid(crate::said!(
            "give 0 to 60 days since the last message and 1 to 5 reminders at most",
            "ange 0 till 60 dagar sedan senaste meddelandet och högst 1 till 5 påminnelser"
        )));
    }
    audited(conn, actor, "wave.remind", |c| {
        let w = studies::wave_by_id(c, id)?;
        let n = outbox::queue_reminders(c, &w, rule)?;
        Ok((n, format!("{}: {n}", wave_detail(&w))))
    })
}

/// Invited people per unit code.
pub type RosterCounts = Vec<(String, i64)>;

/// A roster CSV (email,unit,language) added to a draft wave's roster or
/// replacing it, all or nothing: every bad line is listed.
pub fn import_roster(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    csv: &str,
    replace: Replace,
) -> Result<(usize, RosterCounts)> {
    let rows = invitations::parse_roster_csv(csv).map_err(|problems| Error::Invalid {
        reason: crate::said!("nothing was imported", "inget importerades"),
        problems,
    })?;
    let action = match replace {
        Replace::Nothing => "roster.import",
        Replace::Roster => "roster.replace",
    };
    audited(conn, actor, action, |c| {
        let w = studies::wave_by_id(c, id)?;
        let survey = surveys::get(c, w.survey_version_id)?.survey()?;
        let n = invitations::import_roster(c, &w, &rows, &survey.languages, replace)?;
        let counts = invitations::roster_counts(c, &w)?;
        Ok(((n, counts), format!("{}: {n} people", wave_detail(&w))))
    })
}

/// One-time codes for a unit of a draft wave; the unit's total after.
pub fn add_codes(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    unit: &str,
    count: usize,
    language: &str,
    secret: &Secret,
) -> Result<usize> {
    audited(conn, actor, "wave.codes", |c| {
        let w = studies::wave_by_id(c, id)?;
        let total = codes::add(c, &w, unit, count, language, secret)?;
        let detail = format!("{}: {count} code(s) for unit {unit}", wave_detail(&w));
        Ok((total, detail))
    })
}

/// Rows of a responses file, kept for an all-or-nothing import.
#[derive(Default)]
struct Collected {
    rows: Vec<(usize, usize, Vec<Answer>)>,
}

impl RowSink for Collected {
    fn row(&mut self, wave: usize, unit: usize, answers: &[Answer]) {
        self.rows.push((wave, unit, answers.to_vec()));
    }

    fn absorb(&mut self, other: &Self, waves: &[usize], units: &[usize]) {
        self.rows.extend(
            other
                .rows
                .iter()
                .map(|(w, u, a)| (waves[*w], units[*u], a.clone())),
        );
    }
}

/// Earlier answers in the offline format (a historical wave, or paper
/// questionnaires) imported into a wave that has not closed, all or
/// nothing: a file whose rows name another wave, an unknown unit or a bad
/// answer is refused with its problems by line and column.
pub fn import_responses(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    input: impl std::io::Read,
    file: &str,
    options: &ReadOptions,
) -> Result<usize> {
    let wave = studies::wave_by_id(conn, id)?;
    refuse_closed(&wave)?;
    let survey = surveys::get(conn, wave.survey_version_id)?.survey()?;
    let (collected, outcome) =
        crate::responses::read(input, file, &survey, options, Collected::default)
            .map_err(|e| responses_problems(&e))?;
    if let Some(other) = outcome.waves.names.iter().find(|w| **w != wave.name) {
        let name = &wave.name;
        return Err(Error::invalid(crate::said!(
            "{file}: nothing was imported: rows of wave `{other}` in a file imported into wave `{name}`; import each wave separately",
            "{file}: inget importerades: rader från mätomgången `{other}` i en fil till mätomgången `{name}`; importera en mätomgång i taget"
        )));
    }
    let rows: Vec<responses::Row> = collected
        .rows
        .into_iter()
        .map(|(_, u, answers)| responses::Row {
            unit: outcome.units.names[u].clone(),
            answers,
        })
        .collect();
    audited(conn, actor, "responses.import", |c| {
        // Checked again inside the transaction: the wave may have closed
        // while the file was read.
        refuse_closed(&studies::wave_by_id(c, id)?)?;
        let n = responses::import(c, &wave, &rows, survey.items.len())?;
        Ok((
            n,
            format!("{}: {n} responses from {file}", wave_detail(&wave)),
        ))
    })
}

/// A closed wave's figures are published: answers added now would change
/// them, and the difference would be the new answers' own figures.
fn refuse_closed(wave: &Wave) -> Result<()> {
    if wave.state == WaveState::Closed {
        let name = &wave.name;
        return Err(Error::Conflict(crate::said!(
            "wave `{name}` is closed and its figures are published: add earlier answers to a wave before it closes",
            "mätomgången `{name}` är stängd och dess siffror publicerade: lägg in tidigare svar innan mätomgången stänger"
        )));
    }
    Ok(())
}

fn responses_problems(e: &crate::responses::ResponsesError) -> Error {
    use crate::responses::ResponsesError as E;
    match e {
        E::Rows {
            listed,
            total,
            file,
        } => {
            let more = *total as usize - listed.len();
            let mut problems: Vec<Said> =
                listed.iter().map(|p| Said::both(p.to_string())).collect();
            if more > 0 {
                problems.push(crate::said!("… and {more} more", "… och {more} till"));
            }
            Error::Invalid {
                reason: crate::said!(
                    "{file}: {total} problem(s) in the rows; nothing was imported",
                    "{file}: {total} problem i raderna; inget importerades"
                ),
                problems,
            }
        }
        E::Header { file, problems } => Error::Invalid {
            reason: crate::said!(
                "{file}: the header is not usable; nothing was imported",
                "{file}: rubrikraden går inte att använda; inget importerades"
            ),
            problems: problems.iter().cloned().map(Said::both).collect(),
        },
        other => Error::invalid(Said::both(other.to_string())),
    }
}

pub fn add_user(
    conn: &mut DbConnection,
    actor: &Actor,
    email: &str,
    role: Role,
    password: &str,
    scope: Option<&str>,
) -> Result<accounts::User> {
    let email = Email::parse(email).map_err(Error::invalid)?;
    let hash = hash_password(password).map_err(Error::invalid)?;
    let scope_id = unit_scope(conn, role, scope)?;
    audited(conn, actor, "user.add", |c| {
        let user = accounts::add_user(c, &email, role, &hash, now_ms(), scope_id)?;
        let within = scope.map(|u| format!(" within {u}")).unwrap_or_default();
        let detail = format!("{} as {role}{within}", user.email);
        Ok((user, detail))
    })
}

/// The unit a viewer account or token is limited to, by its code: only
/// viewers can be limited (evaluators and admins work on the whole study).
pub fn unit_scope(conn: &mut DbConnection, role: Role, code: Option<&str>) -> Result<Option<i64>> {
    let Some(code) = code else { return Ok(None) };
    if role != Role::Viewer {
        return Err(Error::invalid(crate::said!(
            "only a viewer can be limited to a unit; {role}s see the whole organisation",
            "bara en läsare kan begränsas till en enhet; rollen {role} ser hela organisationen"
        )));
    }
    crate::store::units::all(conn)?
        .into_iter()
        .find(|u| u.code == code)
        .map(|u| Some(u.id))
        .ok_or_else(|| {
            Error::invalid(crate::said!(
                "there is no unit `{code}` (klimat unit list)",
                "det finns ingen enhet `{code}` (klimat unit list)"
            ))
        })
}

pub fn set_user_disabled(
    conn: &mut DbConnection,
    actor: &Actor,
    email: &str,
    disabled: bool,
) -> Result<()> {
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    audited(conn, actor, action, |c| {
        accounts::set_disabled(c, email, disabled)?;
        Ok(((), email.to_owned()))
    })
}

/// Removes the e-mail addresses of a closed wave (retention).
pub fn purge_contacts(conn: &mut DbConnection, actor: &Actor, id: i64) -> Result<usize> {
    audited(conn, actor, "retention.purge", |c| {
        let w = studies::wave_by_id(c, id)?;
        let n = invitations::purge_contacts(c, &w)?;
        Ok((n, format!("{}: {n}", wave_detail(&w))))
    })
}

/// Records an export (or another read worth auditing) on its own.
pub fn audit(conn: &mut DbConnection, actor: &Actor, action: &str, detail: &str) -> Result<()> {
    audited(conn, actor, action, |_| Ok(((), detail.to_owned())))
}

/// A wave's one-time codes to print: an A4 HTML sheet with a QR code per
/// card, or CSV; the links are derived again from the secret. Audited.
pub fn code_sheet(
    conn: &mut DbConnection,
    actor: &Actor,
    wave: &Wave,
    secret: &Secret,
    public_url: &str,
    csv: bool,
) -> Result<String> {
    let codes = codes::sheet(conn, wave, secret)?;
    let base = public_url.trim_end_matches('/');
    let cards: Vec<crate::report::codes::Card> = codes
        .iter()
        .map(|c| crate::report::codes::Card {
            unit_name: &c.unit_name,
            language: &c.language,
            url: format!("{base}/s/{}", c.token),
        })
        .collect();
    let text = if csv {
        let rows: Vec<(&str, &crate::report::codes::Card)> =
            codes.iter().map(|c| c.unit.as_str()).zip(&cards).collect();
        crate::report::codes::csv(&rows)
    } else {
        crate::report::codes::html(&format!("Koder – {}", wave.name), &cards)
    };
    let detail = format!("{}: {} code(s)", wave_detail(wave), codes.len());
    audit(conn, actor, "wave.code_sheet", &detail)?;
    Ok(text)
}

/// A unit in the tree as the setup pages show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TreeUnit {
    pub code: String,
    pub name: String,
    pub depth: usize,
}

/// The unit tree in reading order (each unit followed by the units under
/// it), with depths.
pub fn unit_tree(units: &[units::Unit]) -> Vec<TreeUnit> {
    fn walk(units: &[units::Unit], parent: Option<i64>, depth: usize, out: &mut Vec<TreeUnit>) {
        for u in units.iter().filter(|u| u.parent_id == parent) {
            out.push(TreeUnit {
                code: u.code.clone(),
                name: u.name.clone(),
                depth,
            });
            walk(units, Some(u.id), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(units, None, 0, &mut out);
    out
}

/// The arms from choices on the tree: a unit marked pilot or control puts
/// itself and every unit under it in that arm, unless a unit further down
/// is marked otherwise. Returns (pilot, control) codes in tree order.
pub fn expand_arms(
    units: &[units::Unit],
    choice: impl Fn(&str) -> Option<&'static str>,
) -> (Vec<String>, Vec<String>) {
    let tree = unit_tree(units);
    let mut inherited: Vec<Option<&'static str>> = Vec::new();
    let (mut pilot, mut control) = (Vec::new(), Vec::new());
    for u in &tree {
        inherited.truncate(u.depth);
        let above = inherited.last().copied().flatten();
        let arm = choice(&u.code).or(above);
        inherited.push(arm);
        match arm {
            Some("pilot") => pilot.push(u.code.clone()),
            Some("control") => control.push(u.code.clone()),
            _ => {}
        }
    }
    (pilot, control)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i64, code: &str, parent: Option<i64>) -> units::Unit {
        units::Unit {
            id,
            code: code.into(),
            name: code.to_uppercase(),
            parent_id: parent,
        }
    }

    #[test]
    fn a_division_brings_its_units_and_a_unit_below_can_differ() {
        let units = vec![
            unit(1, "north", None),
            unit(2, "n1", Some(1)),
            unit(3, "n2", Some(1)),
            unit(4, "south", None),
            unit(5, "s1", Some(4)),
            unit(6, "s1a", Some(5)),
        ];
        let tree = unit_tree(&units);
        let order: Vec<(&str, usize)> = tree.iter().map(|u| (u.code.as_str(), u.depth)).collect();
        assert_eq!(
            order,
            [
                ("north", 0),
                ("n1", 1),
                ("n2", 1),
                ("south", 0),
                ("s1", 1),
                ("s1a", 2)
            ]
        );
        let (pilot, control) = expand_arms(&units, |c| match c {
            "north" => Some("pilot"),
            "n2" => Some("control"),
            "s1" => Some("control"),
            _ => None,
        });
        assert_eq!(pilot, ["north", "n1"]);
        assert_eq!(control, ["n2", "s1", "s1a"]);
    }
}
