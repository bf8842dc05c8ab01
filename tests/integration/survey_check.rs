//! `klimat survey check`: summaries, exit codes and messages of the real binary.

use crate::helpers::*;

#[test]
fn every_shipped_survey_is_valid_and_summarised() {
    let k = Klimat::new();
    let files = shipped_surveys();
    assert!(files.len() >= 2, "surveys/ ships the instruments");
    let out = k
        .cmd()
        .arg("survey")
        .arg("check")
        .args(&files)
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout.contains("key        creative-climate"), "{stdout}");
    assert!(stdout.contains("key        team-climate"), "{stdout}");
    assert!(stdout.contains("dimensions 10"));
    assert!(stdout.contains("dimensions 4"));
    assert!(stdout.contains("languages  sv, en"));
    assert!(stdout.contains("hash       sha256:"));
}

#[test]
fn the_shipped_instruments_have_the_specified_shape() {
    let cc = klimat::survey::load(&repo().join("surveys/creative-climate.toml")).unwrap();
    assert_eq!((cc.key.as_str(), cc.version), ("creative-climate", 1));
    assert_eq!((cc.scale.min, cc.scale.max), (0, 3));
    assert!(cc.scale.dont_know.is_some());
    assert_eq!(cc.dimensions.len(), 10);
    assert!(cc.dimensions.iter().all(|d| d.items.len() == 4));
    let conflicts = &cc.dimensions[cc.dimension_index("conflicts").unwrap()];
    assert_eq!(
        conflicts.direction,
        klimat::survey::Direction::LowerIsBetter
    );
    assert_eq!(
        cc.dimensions
            .iter()
            .filter(|d| d.direction == klimat::survey::Direction::LowerIsBetter)
            .count(),
        1
    );

    let tc = klimat::survey::load(&repo().join("surveys/team-climate.toml")).unwrap();
    assert_eq!((tc.scale.min, tc.scale.max), (1, 5));
    assert!(tc.scale.dont_know.is_some());
    assert_eq!(tc.dimensions.len(), 4);
    assert!(tc.dimensions.iter().all(|d| d.items.len() == 4));

    // The invitation's estimate agrees with what each introduction says.
    for (s, minutes, en, sv) in [
        (&cc, 10, "about ten minutes", "omkring tio minuter"),
        (&tc, 5, "about five minutes", "omkring fem minuter"),
    ] {
        assert_eq!(s.minutes_to_answer(), minutes, "{}", s.key);
        assert!(
            s.introduction
                .get(klimat::survey::Language::En)
                .contains(en)
        );
        assert!(
            s.introduction
                .get(klimat::survey::Language::Sv)
                .contains(sv)
        );
    }

    for s in [&cc, &tc] {
        assert!(
            s.items.iter().any(|i| i.reverse),
            "{} has reverse-keyed items",
            s.key
        );
        for lang in [klimat::survey::Language::Sv, klimat::survey::Language::En] {
            assert!(s.items.iter().all(|i| !i.text.get(lang).is_empty()));
        }
    }
}

#[test]
fn an_invalid_file_exits_non_zero_and_lists_every_problem_with_its_place() {
    let k = Klimat::new();
    let broken = test_data("surveys/broken/unknown-keys.toml");
    let out = k
        .cmd()
        .args(["survey", "check", arg(&broken)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = stderr_of(&out);
    let name = broken.display().to_string();
    assert!(
        stderr.contains(&format!("{name}:3:1: unknown key `autor`")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{name}:34:1: unknown key `dimesion`")),
        "{stderr}"
    );
    assert!(stderr.contains("help: "), "{stderr}");
    assert!(stderr.contains("1 of 1 survey file(s) invalid"), "{stderr}");
}

#[test]
fn one_invalid_file_among_valid_ones_fails_the_check_but_all_are_checked() {
    let k = Klimat::new();
    let mut files = shipped_surveys();
    files.insert(0, test_data("surveys/broken/duplicate-item-id.toml"));
    let out = k
        .cmd()
        .arg("survey")
        .arg("check")
        .args(&files)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout_of(&out).contains("team-climate"));
    assert!(stderr_of(&out).contains(&format!("1 of {} survey file(s) invalid", files.len())));
}

#[test]
fn a_missing_file_is_named() {
    let k = Klimat::new();
    let out = k
        .cmd()
        .args(["survey", "check", "nowhere.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("cannot read survey file nowhere.toml"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_file_that_is_not_utf8_is_refused_with_its_place() {
    let k = Klimat::new();
    let file = test_data("surveys/not-utf8.toml.bin");
    let out = k
        .cmd()
        .args(["survey", "check", arg(&file)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains(":2:17: the file is not valid UTF-8 text"),
        "{stderr}"
    );
}

#[test]
fn check_without_files_is_a_usage_error() {
    let out = Klimat::new()
        .cmd()
        .args(["survey", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("<FILE>"));
}

#[test]
fn every_command_explains_itself_with_examples() {
    let k = Klimat::new();
    let leaves: &[&[&str]] = &[
        &["survey", "check"],
        &["survey", "show"],
        &["survey", "publish"],
        &["migrate"],
        &["unit", "import"],
        &["unit", "list"],
        &["managers", "import"],
        &["managers", "list"],
        &["managers", "notify"],
        &["study", "create"],
        &["wave", "create"],
        &["wave", "open"],
        &["wave", "close"],
        &["wave", "purge-contacts"],
        &["roster", "import"],
        &["responses", "import"],
        &["responses", "export"],
        &["score"],
        &["simulate"],
        &["report", "effect"],
        &["design", "power"],
        &["config"],
    ];
    for leaf in leaves {
        let out = k.cmd().args(*leaf).arg("--help").output().unwrap();
        assert!(out.status.success(), "{leaf:?}");
        assert!(
            stdout_of(&out).contains("Examples:"),
            "{leaf:?} has examples"
        );
    }
    for args in [
        vec!["--help"],
        vec!["survey", "--help"],
        vec!["survey", "check", "--help"],
        vec!["survey", "show", "--help"],
    ] {
        let out = k.cmd().args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let help = stdout_of(&out);
        assert!(help.contains("Usage: klimat"), "{args:?}: {help}");
        if args.len() != 2 {
            assert!(help.contains("Examples:"), "{args:?}: {help}");
        }
    }
}
