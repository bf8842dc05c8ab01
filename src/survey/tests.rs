use super::*;

const MINIMAL: &str = include_str!("../../tests/data/surveys/minimal.toml");

/// The same survey as MINIMAL, written differently: other key order, other
/// table syntax, comments, and the defaults spelled out.
const MINIMAL_REFORMATTED: &str = r#"
# A comment that changes nothing.
languages = [ "sv",
              "en" ]   # trailing comment
version = 1
key = 'minimal'
privacy_notice.en = "Privacy"
privacy_notice.sv = "Integritet"

[title]
en = "Title"
sv = "Titel"

[introduction]
en = """Introduction"""
sv = "Inledning"

[scale]
max = 5
min = 1
points = 5
[scale.labels]
en = ["1","2","3","4","5"]
sv = ["1","2","3","4","5"]

[models]
m = { citation = "Author (2000).", name = "Model" }

[[dimensions]]
direction = "higher-is-better"
definition.en = "D"
definition.sv = "D"
id = "d"
min_answered = 2
model = "m"
name = { en = "D", sv = "D" }

[[items]]
dimension = "d"
id = "a"
reverse = false
text = { en = "A", sv = "A" }
[[items]]
dimension = "d"
id = "b"
text = { en = "B", sv = "B" }
[[items]]
dimension = "d"
id = "c"
reverse = true
text = { en = "C", sv = "C" }
"#;

fn minimal() -> Survey {
    parse(MINIMAL, "minimal.toml").expect("the minimal survey is valid")
}

#[test]
fn the_minimal_survey_loads_with_its_defaults_filled_in() {
    let s = minimal();
    assert_eq!(s.key, "minimal");
    assert_eq!(s.languages, vec![Language::Sv, Language::En]);
    assert_eq!(s.scale.points(), 5);
    assert_eq!(s.dimensions[0].items, vec![0, 1, 2]);
    // Half of three items, rounded up.
    assert_eq!(s.dimensions[0].min_answered, 2);
    assert!(!s.items[0].reverse && s.items[2].reverse);
    assert!(s.free_text.is_empty());
}

#[test]
fn the_hash_ignores_formatting_comments_key_order_and_spelled_out_defaults() {
    let reformatted = parse(MINIMAL_REFORMATTED, "reformatted.toml").unwrap();
    assert_eq!(reformatted, minimal());
    assert_eq!(reformatted.content_hash(), minimal().content_hash());
}

#[test]
fn the_hash_changes_when_an_item_text_changes() {
    let changed = MINIMAL.replace(
        r#"text = { sv = "B", en = "B" }"#,
        r#"text = { sv = "B", en = "B!" }"#,
    );
    assert_ne!(changed, MINIMAL);
    let changed = parse(&changed, "changed.toml").unwrap();
    assert_ne!(changed.content_hash(), minimal().content_hash());
}

#[test]
fn the_hash_changes_when_the_item_order_or_keying_changes() {
    let unkeyed = MINIMAL.replace("reverse = true\n", "");
    assert_ne!(
        parse(&unkeyed, "x").unwrap().content_hash(),
        minimal().content_hash()
    );
}

#[test]
fn the_hash_is_sha256_hex() {
    let h = minimal().content_hash();
    assert!(h.starts_with("sha256:"));
    assert_eq!(h.len(), "sha256:".len() + 64);
    assert!(h[7..].chars().all(|c| c.is_ascii_hexdigit()));
}

#[test]
fn reverse_keying_mirrors_the_scale() {
    let s = minimal();
    assert_eq!(s.scale.reverse(1), 5);
    assert_eq!(s.scale.reverse(4), 2);
}

#[test]
fn several_problems_are_reported_together_in_file_order() {
    let broken = MINIMAL
        .replace(r#"id = "b""#, r#"id = "a""#)
        .replace(r#"model = "m""#, r#"model = "x""#)
        .replace("version = 1", "version = 1\nauthor = \"me\"");
    let err = parse(&broken, "broken.toml").unwrap_err();
    let messages: Vec<&str> = err.problems().iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].contains("unknown key `author`"));
    assert!(messages[1].contains("model `x`"));
    assert!(messages[2].contains("duplicate item id `a`"));
    let lines: Vec<usize> = err.problems().iter().map(|p| p.location.line).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn the_error_text_names_file_line_and_column() {
    let err = parse(
        &MINIMAL.replace("version = 1", "version = 0"),
        "my/survey.toml",
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("my/survey.toml:3:11: version must be"),
        "{text}"
    );
    assert!(text.contains("help: "), "{text}");
}

#[test]
fn locations_count_characters_not_bytes() {
    let src = "å = 1\näöü x";
    assert_eq!(
        Location::of_offset(src, src.find('x').unwrap()),
        Location { line: 2, column: 5 }
    );
    assert_eq!(Location::of_offset(src, 0), Location { line: 1, column: 1 });
}

#[test]
fn the_text_rendering_shows_every_item_in_the_chosen_language() {
    let s = minimal();
    let en = render_text(&s, Language::En);
    assert!(en.contains("Title\n=====") && en.contains("Privacy"));
    assert!(en.contains(" 3. C"));
    let sv = render_text(&s, Language::Sv);
    assert!(sv.contains("Titel") && sv.contains("Svarsalternativ"));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn on_arbitrary_text(text in "\\PC{0,400}") {
            let _ = parse(&text, "fuzz.toml");
        }

        #[test]
        fn on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = parse(&text, "fuzz.toml");
        }

        /// Mutations of a valid survey reach the validation checks, not only the parser.
        #[test]
        fn on_mutations_of_a_valid_survey(
            cuts in proptest::collection::vec((0usize..MINIMAL.len(), 0usize..40, "\\PC{0,12}"), 1..6)
        ) {
            let mut text = MINIMAL.to_owned();
            for (at, len, insert) in cuts {
                let mut start = at.min(text.len());
                while !text.is_char_boundary(start) { start -= 1; }
                let mut end = (start + len).min(text.len());
                while !text.is_char_boundary(end) { end -= 1; }
                text.replace_range(start..end, &insert);
            }
            if let Err(e) = parse(&text, "fuzz.toml") {
                prop_assert!(!e.problems().is_empty());
            }
        }
    }
}
