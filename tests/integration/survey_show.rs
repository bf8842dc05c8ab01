//! `klimat survey show`: the questionnaire as a respondent reads it.

use crate::helpers::*;

#[test]
fn shows_the_survey_in_swedish_and_in_english() {
    let k = Klimat::new();
    let file = repo().join("surveys/team-climate.toml");
    let sv = k
        .cmd()
        .args(["survey", "show", arg(&file), "--lang", "sv"])
        .output()
        .unwrap();
    assert!(sv.status.success());
    let sv = stdout_of(&sv);
    assert!(sv.contains("Arbetsgruppens klimat för förnyelse"));
    assert!(sv.contains("Instämmer helt"));
    assert!(sv.contains("Vet inte"));
    assert!(sv.contains("16. Människor i vår grupp förväntar sig"));

    let en = stdout_of(
        &k.cmd()
            .args(["survey", "show", arg(&file), "--lang", "en"])
            .output()
            .unwrap(),
    );
    assert!(en.contains("Your team's climate for innovation"));
    assert!(en.contains("Strongly agree"));
    assert!(en.contains("Would you like to add anything"));
    assert!(!en.contains("Instämmer"));
}

#[test]
fn an_unknown_language_is_a_usage_error() {
    let k = Klimat::new();
    let file = repo().join("surveys/team-climate.toml");
    let out = k
        .cmd()
        .args(["survey", "show", arg(&file), "--lang", "de"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("unknown language `de`"));
}

#[test]
fn a_language_the_survey_lacks_is_refused() {
    let k = Klimat::new();
    let file = test_data("surveys/swedish-only.toml");
    let out = k
        .cmd()
        .args(["survey", "show", arg(&file), "--lang", "en"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("has no texts in `en`; it offers: sv"),
        "{}",
        stderr_of(&out)
    );
}
