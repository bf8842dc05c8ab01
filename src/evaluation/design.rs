//! A study design checked against the data: which units are pilot and
//! control, the waves in order, and where the intervention falls.

use serde::Serialize;

/// What the evaluator asks for.
#[derive(Debug, Clone)]
pub struct DesignRequest {
    pub pilot: Vec<String>,
    /// `None`: every unit in the data that is not a pilot unit.
    pub control: Option<Vec<String>>,
    pub first_post_wave: String,
}

/// A design that fits the data: indices refer to the names given to `check`.
#[derive(Debug, Clone, Serialize)]
pub struct Design {
    pub pilot_units: Vec<String>,
    pub control_units: Vec<String>,
    /// All waves, in text order.
    pub waves: Vec<String>,
    pub first_post_wave: String,
    #[serde(skip)]
    pub pilot: Vec<usize>,
    #[serde(skip)]
    pub control: Vec<usize>,
    /// Wave indices (into the data's names) in text order.
    #[serde(skip)]
    pub wave_order: Vec<usize>,
    /// Position in `wave_order` of the first post wave.
    #[serde(skip)]
    pub post_from: usize,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DesignError {
    #[error("no pilot unit is named; give --pilot UNIT,...")]
    NoPilot,
    #[error("pilot unit `{unit}` has no responses in the data; units in the data: {known}")]
    UnknownPilot { unit: String, known: String },
    #[error("control unit `{unit}` has no responses in the data; units in the data: {known}")]
    UnknownControl { unit: String, known: String },
    #[error("unit `{0}` is named both as pilot and as control; a unit belongs to one arm")]
    BothArms(String),
    #[error("unit `{0}` is named twice")]
    Repeated(String),
    #[error("there is no control unit: every unit in the data is a pilot unit")]
    NoControl,
    #[error("the first post wave `{wave}` is not a wave of the data; waves: {known}")]
    UnknownWave { wave: String, known: String },
    #[error(
        "no wave comes before the first post wave `{0}`: a before-and-after comparison needs at least one pre wave"
    )]
    NoPreWave(String),
    #[error("wave `{wave}` has no respondents in the {arm} units; every wave needs both arms")]
    ArmMissing { wave: String, arm: &'static str },
    #[error(
        "wave `{wave}` has fewer respondents than the minimum group size ({min_group}) in total: its figures are \
         not shown, so the report cannot use it"
    )]
    WaveHidden { wave: String, min_group: u64 },
    #[error(
        "the {arm} arm cannot be shown in wave `{wave}`: it has fewer respondents than the minimum group size \
         ({min_group}), or a small unit in it could be derived from it (also when every invitation of its hidden \
         units was answered, which gives each one's count). A report would publish one small group's figures; add \
         units to the arm or merge small units"
    )]
    ArmHidden {
        wave: String,
        arm: &'static str,
        min_group: u64,
    },
    #[error("wave `{0}` is still open: the effect report uses closed waves only")]
    WaveOpen(String),
}

impl DesignError {
    /// The message in English (as `Display` gives it) and in Swedish.
    pub fn said(&self) -> crate::said::Said {
        use DesignError::*;
        let sv = match self {
            NoPilot => "ingen pilotenhet är angiven".to_owned(),
            UnknownPilot { unit, known } => {
                format!("pilotenheten `{unit}` har inga svar i datan; enheter i datan: {known}")
            }
            UnknownControl { unit, known } => {
                format!("kontrollenheten `{unit}` har inga svar i datan; enheter i datan: {known}")
            }
            BothArms(u) => format!(
                "enheten `{u}` är angiven både som pilot och som kontroll; en enhet hör till en grupp"
            ),
            Repeated(u) => format!("enheten `{u}` är angiven två gånger"),
            NoControl => {
                "det finns ingen kontrollenhet: alla enheter i datan är pilotenheter".to_owned()
            }
            UnknownWave { wave, known } => {
                format!(
                    "den första mätomgången efter insatsen, `{wave}`, finns inte i datan; mätomgångar: {known}"
                )
            }
            NoPreWave(w) => format!(
                "ingen mätomgång kommer före `{w}`: en jämförelse före och efter behöver minst en mätomgång före"
            ),
            ArmMissing { wave, arm } => format!(
                "mätomgången `{wave}` har inga svarande i {}; varje mätomgång behöver båda grupperna",
                arm_sv(arm)
            ),
            WaveHidden { wave, min_group } => format!(
                "mätomgången `{wave}` har färre svarande än minsta gruppstorlek ({min_group}) totalt: dess \
                 siffror visas inte, så rapporten kan inte använda den"
            ),
            ArmHidden {
                wave,
                arm,
                min_group,
            } => format!(
                "{} kan inte visas i mätomgången `{wave}`: den har färre svarande än minsta gruppstorlek \
                 ({min_group}), eller en liten enhet i den skulle kunna räknas fram (också när alla dess dolda \
                 enheters inbjudningar besvarats). Lägg till enheter i gruppen eller slå ihop små enheter",
                arm_sv(arm)
            ),
            WaveOpen(w) => format!(
                "mätomgången `{w}` är fortfarande öppen: effektrapporten använder bara stängda mätomgångar; \
                 stäng den när svarstiden är slut"
            ),
        };
        crate::said::Said::new(self.to_string(), sv)
    }
}

fn arm_sv(arm: &str) -> &'static str {
    if arm == "pilot" {
        "pilotgruppen"
    } else {
        "kontrollgruppen"
    }
}

/// Checks `request` against the units and waves of the data.
/// `respondents(wave, unit)` gives the respondents of a cell.
pub fn check(
    request: &DesignRequest,
    units: &[String],
    waves: &[String],
    respondents: impl Fn(usize, usize) -> u64,
) -> Result<Design, DesignError> {
    let known = || {
        let mut names: Vec<&str> = units.iter().map(String::as_str).collect();
        names.sort();
        names.join(", ")
    };
    let find = |name: &str| units.iter().position(|u| u == name);
    if request.pilot.is_empty() {
        return Err(DesignError::NoPilot);
    }
    let mut pilot = Vec::new();
    for name in &request.pilot {
        let u = find(name).ok_or_else(|| DesignError::UnknownPilot {
            unit: name.clone(),
            known: known(),
        })?;
        if pilot.contains(&u) {
            return Err(DesignError::Repeated(name.clone()));
        }
        pilot.push(u);
    }
    let control = match &request.control {
        Some(names) => {
            let mut control = Vec::new();
            for name in names {
                let u = find(name).ok_or_else(|| DesignError::UnknownControl {
                    unit: name.clone(),
                    known: known(),
                })?;
                if pilot.contains(&u) {
                    return Err(DesignError::BothArms(name.clone()));
                }
                if control.contains(&u) {
                    return Err(DesignError::Repeated(name.clone()));
                }
                control.push(u);
            }
            control
        }
        None => (0..units.len()).filter(|u| !pilot.contains(u)).collect(),
    };
    if control.is_empty() {
        return Err(DesignError::NoControl);
    }
    let mut wave_order: Vec<usize> = (0..waves.len()).collect();
    wave_order.sort_by(|&a, &b| waves[a].cmp(&waves[b]));
    let sorted: Vec<String> = wave_order.iter().map(|&w| waves[w].clone()).collect();
    let post_from = sorted
        .iter()
        .position(|w| *w == request.first_post_wave)
        .ok_or_else(|| DesignError::UnknownWave {
            wave: request.first_post_wave.clone(),
            known: sorted.join(", "),
        })?;
    if post_from == 0 {
        return Err(DesignError::NoPreWave(request.first_post_wave.clone()));
    }
    for &w in &wave_order {
        for (arm, members) in [("pilot", &pilot), ("control", &control)] {
            if members.iter().all(|&u| respondents(w, u) == 0) {
                return Err(DesignError::ArmMissing {
                    wave: waves[w].clone(),
                    arm,
                });
            }
        }
    }
    let sort_names = |idx: &mut Vec<usize>| {
        idx.sort_by(|&a, &b| units[a].cmp(&units[b]));
        idx.iter().map(|&u| units[u].clone()).collect::<Vec<_>>()
    };
    let (mut pilot, mut control) = (pilot, control);
    Ok(Design {
        pilot_units: sort_names(&mut pilot),
        control_units: sort_names(&mut control),
        waves: sorted,
        first_post_wave: request.first_post_wave.clone(),
        pilot,
        control,
        wave_order,
        post_from,
    })
}

impl Design {
    /// Units of both arms, pilot first.
    pub fn units(&self) -> impl Iterator<Item = usize> + '_ {
        self.pilot.iter().chain(&self.control).copied()
    }

    pub fn pre_waves(&self) -> usize {
        self.post_from
    }
}
