//! The corpus of broken survey files under tests/data/surveys/broken: each file
//! ends with `# expect LINE:COL: text` lines naming problems the loader must
//! report, at that place.

use crate::helpers::*;

struct Expectation {
    line: usize,
    column: usize,
    text: String,
}

fn expectations(source: &str) -> Vec<Expectation> {
    source
        .lines()
        .filter_map(|l| l.strip_prefix("# expect "))
        .map(|l| {
            let (place, text) = l.split_once(": ").expect("# expect LINE:COL: text");
            let (line, column) = place.split_once(':').unwrap();
            Expectation {
                line: line.parse().unwrap(),
                column: column.parse().unwrap(),
                text: text.to_owned(),
            }
        })
        .collect()
}

#[test]
fn every_broken_survey_yields_its_specific_problem_at_the_right_place() {
    let dir = test_data("surveys/broken");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the corpus has its files");
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        let expected = expectations(&source);
        assert!(
            !expected.is_empty(),
            "{} states what it expects",
            file.display()
        );
        let err =
            klimat::survey::load(&file).expect_err(&format!("{} must be refused", file.display()));
        let problems = err.problems();
        for e in &expected {
            assert!(
                problems.iter().any(|p| p.location.line == e.line
                    && p.location.column == e.column
                    && p.message.contains(&e.text)
                    && p.help.is_some()),
                "{}: expected {}:{}: {}\nfound:\n{err}",
                file.display(),
                e.line,
                e.column,
                e.text
            );
        }
    }
}
