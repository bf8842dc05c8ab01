//! The database's own limit for submissions, without HTTP: the same rows
//! (a 40-item response, the invitation marked answered) stored through the
//! same store functions the form uses. Run by benches/submit.sh:
//!
//!     cargo bench --bench submit_direct -- DB_URL TOKENS_FILE FROM COUNT
//!
//! Prints two figures: one transaction per submission from one thread, and
//! the group commit (`respondents::GroupCommit`) fed by 32 threads.

use std::sync::mpsc;
use std::time::Instant;

use klimat::store::respondents::{self, GroupCommit, Submission};
use klimat::store::{Database, Migrations};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [url, tokens, from, count] = &args[..] else {
        eprintln!("usage: submit_direct DB_URL TOKENS_FILE FROM COUNT");
        std::process::exit(2);
    };
    let from: usize = from.parse().expect("FROM");
    let count: usize = count.parse().expect("COUNT");
    let tokens: Vec<String> = std::fs::read_to_string(tokens)
        .expect("tokens file")
        .lines()
        .skip(from)
        .take(2 * count)
        .map(str::to_owned)
        .collect();
    assert_eq!(tokens.len(), 2 * count, "not enough tokens");
    let db = Database::open(url, Migrations::Require).expect("database");
    let answers: Vec<i8> = (0..40).map(|k| (k % 4) as i8).collect();
    let submission = |token: &str| {
        let mut conn = db.get().unwrap();
        let target = respondents::by_token(&mut conn, token)
            .unwrap()
            .expect("a known token");
        Submission {
            target,
            answers: answers.clone(),
            texts: Vec::new(),
            draft_key: None,
        }
    };

    let started = Instant::now();
    for token in &tokens[..count] {
        let s = submission(token);
        let mut conn = db.get().unwrap();
        respondents::submit(&mut conn, &s).unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "one transaction each, 1 thread: {count} in {secs:.2} s = {:.0}/s",
        count as f64 / secs
    );

    let commits = GroupCommit::start(db.clone());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for chunk in tokens[count..].chunks(count.div_ceil(32)) {
            let commits = commits.clone();
            let submission = &submission;
            scope.spawn(move || {
                for token in chunk {
                    let (tx, rx) = mpsc::channel();
                    commits.submit(submission(token), Box::new(move |r| tx.send(r).unwrap()));
                    rx.recv().unwrap().unwrap();
                }
            });
        }
    });
    let secs = started.elapsed().as_secs_f64();
    println!(
        "group commit, 32 threads:       {count} in {secs:.2} s = {:.0}/s",
        count as f64 / secs
    );
}
