//! `klimat unit rename|move|merge|split|history`: reorganisations on a date.

use std::process::ExitCode;

use super::data::UnitCommand;
use crate::app::Actor;
use crate::app::reorganise::{self, Request};
use crate::store::DbConnection;

pub fn run(conn: &mut DbConnection, command: UnitCommand) -> anyhow::Result<ExitCode> {
    let (request, on) = match command {
        UnitCommand::Rename {
            code,
            new_code,
            new_name,
            on,
        } => (
            Request::Rename {
                code,
                new_code,
                new_name,
            },
            on,
        ),
        UnitCommand::Move {
            code, parent, on, ..
        } => (Request::Move { code, parent }, on),
        UnitCommand::Merge {
            codes,
            into,
            name,
            parent,
            on,
        } => (
            Request::Merge {
                codes,
                into,
                name,
                parent,
            },
            on,
        ),
        UnitCommand::Split { code, into, on } => {
            let parts = into
                .iter()
                .map(|part| reorganise::parse_part(part))
                .collect::<Result<Vec<_>, _>>()?;
            (Request::Split { code, into: parts }, on)
        }
        UnitCommand::History => {
            let history = reorganise::history(conn)?;
            if history.changes.is_empty() {
                println!("no reorganisations recorded");
            }
            for change in &history.changes {
                println!("{}", change.describe());
            }
            return Ok(ExitCode::SUCCESS);
        }
        UnitCommand::Import { .. } | UnitCommand::List => unreachable!("handled by cli::data"),
    };
    let change = reorganise::reorganise(conn, &Actor::cli(), &request, &on)?;
    println!("{}", change.describe());
    Ok(ExitCode::SUCCESS)
}
