//! A wave as people name it: `STUDY:WAVE` or its number. Parsed once where
//! it enters (a command-line argument, a path segment), looked up by `find`.

use crate::said::Said;
use crate::store::DbConnection;
use crate::store::studies::{self, Wave};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaveRef {
    Id(i64),
    Named { study: String, wave: String },
}

impl WaveRef {
    pub fn find(&self, conn: &mut DbConnection) -> super::Result<Wave> {
        Ok(match self {
            WaveRef::Id(id) => studies::wave_by_id(conn, *id)?,
            WaveRef::Named { study, wave } => studies::wave_named(conn, study, wave)?,
        })
    }
}

impl std::str::FromStr for WaveRef {
    type Err = Said;
    fn from_str(text: &str) -> Result<WaveRef, Said> {
        if let Ok(id) = text.parse::<i64>() {
            return Ok(WaveRef::Id(id));
        }
        match text.split_once(':') {
            Some((study, wave)) if !study.is_empty() && !wave.is_empty() => Ok(WaveRef::Named {
                study: study.to_owned(),
                wave: wave.to_owned(),
            }),
            _ => Err(crate::said!(
                "`{text}` names no wave; write STUDY:WAVE (e.g. pilot-2025:2025-03) or the wave's number",
                "`{text}` är ingen mätomgång; skriv STUDIE:MÄTOMGÅNG (t.ex. pilot-2025:2025-03) eller mätomgångens nummer"
            )),
        }
    }
}

impl std::fmt::Display for WaveRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaveRef::Id(id) => write!(f, "{id}"),
            WaveRef::Named { study, wave } => write!(f, "{study}:{wave}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_study_wave_pairs_parse_and_the_rest_is_refused() {
        assert_eq!("12".parse::<WaveRef>(), Ok(WaveRef::Id(12)));
        assert_eq!(
            "pilot:2025-03".parse::<WaveRef>(),
            Ok(WaveRef::Named {
                study: "pilot".into(),
                wave: "2025-03".into()
            })
        );
        for bad in ["pilot", ":x", "x:", ""] {
            let why = bad.parse::<WaveRef>().unwrap_err();
            assert!(why.sv.contains("STUDIE:MÄTOMGÅNG"), "{bad}");
        }
    }
}
