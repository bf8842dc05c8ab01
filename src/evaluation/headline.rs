//! The one line per dimension that leadership reads first: did the units
//! that took up the method improve compared with the others? Taken from
//! the study's effect report (one pilot) or roll-out report (staggered
//! adoption) — the same model, numbers and disclosure plan — and put in
//! plain words by the strength of the evidence:
//!
//! - **clear**: the primary p-value, Holm-adjusted across the dimensions,
//!   is below 0.05 (for a pilot the permutation p, for a roll-out the
//!   randomisation test's p when the order was randomised, else the
//!   clustered t test's);
//! - **possible**: the unadjusted primary p is below 0.05, the adjusted not;
//! - **no clear difference** otherwise.
//!
//! The direction reads lower-is-better dimensions (conflicts) the right way.

use serde::{Deserialize, Serialize};

use super::report::EffectReport;
use super::rollout::report::RolloutReport;
use crate::stats::adjust::holm;
use crate::survey::{Direction, Language};

/// How sure the evidence lets us be, and in which direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    ClearImprovement,
    PossibleImprovement,
    NoClearDifference,
    PossibleDecline,
    ClearDecline,
    /// The report has no estimate for the dimension.
    NoEstimate,
}

/// One dimension's headline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Headline {
    pub dimension: String,
    pub lower_is_better: bool,
    /// In scale points: pilot (or adopting) units' change minus the others'.
    pub estimate: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// The primary p-value, and Holm-adjusted across the dimensions.
    pub p: Option<f64>,
    pub p_adjusted: Option<f64>,
    pub verdict: Verdict,
}

/// A study's headlines and which design they come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Headlines {
    /// A roll-out (cohorts adopting at different waves) rather than one pilot.
    pub rollout: bool,
    pub cards: Vec<Headline>,
}

fn verdict(estimate: f64, lower: bool, p: Option<f64>, adjusted: Option<f64>) -> Verdict {
    let better = if lower {
        estimate < 0.0
    } else {
        estimate > 0.0
    };
    match (p, adjusted) {
        (_, Some(a)) if a < 0.05 => {
            if better {
                Verdict::ClearImprovement
            } else {
                Verdict::ClearDecline
            }
        }
        (Some(p), _) if p < 0.05 => {
            if better {
                Verdict::PossibleImprovement
            } else {
                Verdict::PossibleDecline
            }
        }
        _ => Verdict::NoClearDifference,
    }
}

/// The headlines of a one-pilot effect report: the DiD estimate with its
/// CR2 interval, the permutation p and its Holm adjustment as reported.
pub fn of_effect(report: &EffectReport) -> Headlines {
    let cards = report
        .dimensions
        .iter()
        .map(|d| {
            let lower = d.direction == Direction::LowerIsBetter;
            match &d.did {
                Some(did) => Headline {
                    dimension: d.id.clone(),
                    lower_is_better: lower,
                    estimate: Some(did.estimate),
                    ci95: Some(did.ci95_cr2),
                    p: Some(did.p_permutation),
                    p_adjusted: did.p_holm,
                    verdict: verdict(did.estimate, lower, Some(did.p_permutation), did.p_holm),
                },
                None => no_estimate(&d.id, lower),
            }
        })
        .collect();
    Headlines {
        rollout: false,
        cards,
    }
}

/// The headlines of a roll-out report: the overall effect (Callaway &
/// Sant'Anna), its interval, the primary p and Holm across dimensions.
pub fn of_rollout(report: &RolloutReport) -> Headlines {
    let primary: Vec<Option<f64>> = report
        .dimensions
        .iter()
        .map(|d| {
            d.randomisation
                .as_ref()
                .map(|r| r.p)
                .or_else(|| d.overall.as_ref().and_then(|o| o.p))
        })
        .collect();
    let present: Vec<f64> = primary.iter().flatten().copied().collect();
    let mut adjusted = holm(&present).into_iter();
    let adjusted: Vec<Option<f64>> = primary
        .iter()
        .map(|p| p.and_then(|_| adjusted.next()))
        .collect();
    let cards = report
        .dimensions
        .iter()
        .zip(primary.iter().zip(&adjusted))
        .map(|(d, (&p, &a))| {
            let lower = d.direction == Direction::LowerIsBetter;
            match &d.overall {
                Some(o) => Headline {
                    dimension: d.id.clone(),
                    lower_is_better: lower,
                    estimate: Some(o.estimate),
                    ci95: o.ci95,
                    p,
                    p_adjusted: a,
                    verdict: verdict(o.estimate, lower, p, a),
                },
                None => no_estimate(&d.id, lower),
            }
        })
        .collect();
    Headlines {
        rollout: true,
        cards,
    }
}

fn no_estimate(id: &str, lower: bool) -> Headline {
    Headline {
        dimension: id.to_owned(),
        lower_is_better: lower,
        estimate: None,
        ci95: None,
        p: None,
        p_adjusted: None,
        verdict: Verdict::NoEstimate,
    }
}

/// The headline's words: "Idéstöd: tydlig förbättring i pilotenheterna".
pub fn sentence(name: &str, verdict: Verdict, rollout: bool, lang: Language) -> String {
    let sv = lang == Language::Sv;
    let who = match (rollout, sv) {
        (false, true) => "i pilotenheterna",
        (false, false) => "in the pilot units",
        (true, true) => "i enheterna som infört arbetssättet",
        (true, false) => "in the units that adopted the method",
    };
    let what = match (verdict, sv) {
        (Verdict::ClearImprovement, true) => format!("tydlig förbättring {who}"),
        (Verdict::ClearImprovement, false) => format!("clear improvement {who}"),
        (Verdict::PossibleImprovement, true) => {
            format!("möjlig förbättring {who}, inte säkerställd")
        }
        (Verdict::PossibleImprovement, false) => {
            format!("possible improvement {who}, not established")
        }
        (Verdict::NoClearDifference, true) => {
            "ingen tydlig skillnad mot de andra enheterna".to_owned()
        }
        (Verdict::NoClearDifference, false) => {
            "no clear difference from the other units".to_owned()
        }
        (Verdict::PossibleDecline, true) => format!("möjlig försämring {who}, inte säkerställd"),
        (Verdict::PossibleDecline, false) => format!("possible decline {who}, not established"),
        (Verdict::ClearDecline, true) => format!("tydlig försämring {who}"),
        (Verdict::ClearDecline, false) => format!("clear decline {who}"),
        (Verdict::NoEstimate, true) => "ingen skattning ännu".to_owned(),
        (Verdict::NoEstimate, false) => "no estimate yet".to_owned(),
    };
    format!("{name}: {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_reads_the_adjusted_p_first_and_the_direction() {
        assert_eq!(
            verdict(0.3, false, Some(0.001), Some(0.01)),
            Verdict::ClearImprovement
        );
        assert_eq!(
            verdict(0.3, true, Some(0.001), Some(0.01)),
            Verdict::ClearDecline
        );
        assert_eq!(
            verdict(-0.3, true, Some(0.02), Some(0.2)),
            Verdict::PossibleImprovement
        );
        assert_eq!(
            verdict(0.3, false, Some(0.2), Some(0.9)),
            Verdict::NoClearDifference
        );
        assert_eq!(
            sentence("Idéstöd", Verdict::ClearImprovement, false, Language::Sv),
            "Idéstöd: tydlig förbättring i pilotenheterna"
        );
    }
}
