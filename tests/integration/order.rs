//! Where a response sits in the SQLite file must not tell when it was
//! submitted. Inside a B-tree page SQLite keeps the cell pointers in key
//! order (the key is the unit and a random id), but places each new cell's
//! content below the previous one, so the content offsets of an open wave's
//! page follow submission order. Closing the wave rewrites its rows in key
//! order. Measured as the probe did: Kendall's τ between each cell's offset
//! in its page and the submission order, over the cell pairs of each page.

use diesel::prelude::*;

use crate::helpers::*;
use crate::services::*;
use klimat::store::respondents::{self, Submission};
use klimat::token::{Purpose, Secret};

const SECRET: &str = "order-test-secret-0123456789abcdef0123";
/// About one page of rows: enough pairs to see an order, few enough that
/// page splits (which copy cells in key order) do not hide it.
const PEOPLE: usize = 45;

/// SQLite's variable-length integer at `at`: (value, bytes).
fn varint(b: &[u8], at: usize) -> (u64, usize) {
    let mut v = 0u64;
    for i in 0..9 {
        let byte = b[at + i];
        if i == 8 {
            return ((v << 8) | byte as u64, 9);
        }
        v = (v << 7) | (byte & 0x7f) as u64;
        if byte & 0x80 == 0 {
            return (v, i + 1);
        }
    }
    unreachable!()
}

/// The record's last column (the answers blob of a responses row).
fn last_blob(payload: &[u8]) -> Vec<u8> {
    let (header_len, n) = varint(payload, 0);
    let mut at = n;
    let mut sizes = Vec::new();
    while at < header_len as usize {
        let (t, n) = varint(payload, at);
        at += n;
        sizes.push(match t {
            0 | 8 | 9 => 0,
            1 => 1,
            2 => 2,
            3 => 3,
            4 => 4,
            5 => 6,
            6 | 7 => 8,
            t if t >= 12 => ((t - 12 - (t % 2)) / 2) as usize,
            _ => 0,
        });
    }
    let start = header_len as usize + sizes[..sizes.len() - 1].iter().sum::<usize>();
    payload[start..start + sizes[sizes.len() - 1]].to_vec()
}

/// Per page of the table's B-tree: (cell content offset, answers) of each
/// cell. Index B-tree pages (WITHOUT ROWID): 0x0A leaf, 0x02 interior.
fn cells(file: &[u8], root: usize) -> Vec<Vec<(usize, Vec<u8>)>> {
    let page_size = match u16::from_be_bytes([file[16], file[17]]) {
        1 => 65_536,
        s => s as usize,
    };
    let mut pages = Vec::new();
    let mut stack = vec![root];
    while let Some(p) = stack.pop() {
        let base = (p - 1) * page_size;
        let header = base + if p == 1 { 100 } else { 0 };
        let kind = file[header];
        let count = u16::from_be_bytes([file[header + 3], file[header + 4]]) as usize;
        let interior = kind == 0x02;
        assert!(interior || kind == 0x0a, "page {p} is of type {kind:#x}");
        if interior {
            let right = u32::from_be_bytes(file[header + 8..header + 12].try_into().unwrap());
            stack.push(right as usize);
        }
        let pointers = header + if interior { 12 } else { 8 };
        let mut here = Vec::new();
        for c in 0..count {
            let offset =
                u16::from_be_bytes([file[pointers + 2 * c], file[pointers + 2 * c + 1]]) as usize;
            let mut at = base + offset;
            if interior {
                let child = u32::from_be_bytes(file[at..at + 4].try_into().unwrap());
                stack.push(child as usize);
                at += 4;
            }
            let (len, n) = varint(file, at);
            let payload = &file[at + n..at + n + len as usize];
            here.push((offset, last_blob(payload)));
        }
        pages.push(here);
    }
    pages
}

/// Kendall's τ between offset and submission order, over pairs in one page.
fn tau(pages: &[Vec<(usize, usize)>]) -> f64 {
    let (mut concordant, mut discordant) = (0i64, 0i64);
    for page in pages {
        for (i, a) in page.iter().enumerate() {
            for b in &page[i + 1..] {
                let s = (a.0 as i64 - b.0 as i64).signum() * (a.1 as i64 - b.1 as i64).signum();
                if s > 0 {
                    concordant += 1;
                } else if s < 0 {
                    discordant += 1;
                }
            }
        }
    }
    (concordant - discordant) as f64 / (concordant + discordant).max(1) as f64
}

/// The answers that identify submission `i` (base 5 over the first items).
fn answers(i: usize, items: usize) -> Vec<i8> {
    let mut a = vec![3i8; items];
    let mut rest = i;
    for slot in a.iter_mut().take(4) {
        *slot = (1 + rest % 5) as i8;
        rest /= 5;
    }
    a
}

fn measured(k: &Klimat, items: usize) -> f64 {
    let db = database(k);
    let mut conn = db.get().unwrap();
    diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut *conn)
        .unwrap();
    #[derive(QueryableByName)]
    struct Root {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rootpage: i64,
    }
    let root: Root =
        diesel::sql_query("SELECT rootpage FROM sqlite_master WHERE name = 'responses'")
            .get_result(&mut *conn)
            .unwrap();
    drop(conn);
    let file = std::fs::read(k.path("klimat.db")).unwrap();
    let by_answers: std::collections::HashMap<Vec<u8>, usize> = (0..PEOPLE)
        .map(|i| (answers(i, items).iter().map(|&a| a as u8).collect(), i))
        .collect();
    let pages: Vec<Vec<(usize, usize)>> = cells(&file, root.rootpage as usize)
        .into_iter()
        .map(|page| {
            page.into_iter()
                .map(|(offset, blob)| (offset, by_answers[&blob]))
                .collect()
        })
        .collect();
    assert_eq!(pages.iter().map(Vec::len).sum::<usize>(), PEOPLE);
    tau(&pages)
}

#[test]
fn closing_a_wave_erases_the_submission_order_from_the_file() {
    let k = Klimat::new();
    let env = vec![("KLIMAT_SECRET", SECRET.to_owned())];
    let roster: Vec<(String, &str, &str)> = (0..PEOPLE)
        .map(|i| (format!("p{i}@region.se"), "u1", "sv"))
        .collect();
    let roster: Vec<(&str, &str, &str)> = roster
        .iter()
        .map(|(e, u, l)| (e.as_str(), *u, *l))
        .collect();
    open_wave(&k, &env, &roster);
    // Queueing the invitations stores the links' hashes.
    klimat(&k, &env, &["wave", "send", WAVE]);
    let items = item_ids().len();
    let db = database(&k);
    let secret = Secret::new(SECRET).unwrap();
    {
        let mut conn = db.get().unwrap();
        let ids: Vec<(i64, i64)> = {
            use klimat::store::schema::invitations;
            invitations::table
                .select((invitations::id, invitations::wave_id))
                .order(invitations::id)
                .load(&mut *conn)
                .unwrap()
        };
        // One person after the other, each in a transaction of their own.
        for (i, (id, wave)) in ids.iter().enumerate() {
            let token = secret.token(Purpose::Survey, *wave, *id);
            let target = respondents::by_token(&mut conn, &token).unwrap().unwrap();
            let s = Submission {
                target,
                answers: answers(i, items),
                texts: Vec::new(),
                draft_key: None,
            };
            respondents::submit_batch(&mut conn, &[&s]).unwrap();
        }
    }
    let open = measured(&k, items);
    klimat(&k, &env, &["wave", "close", WAVE]);
    let closed = measured(&k, items);
    eprintln!("Kendall τ (offset, submission order): open {open:.3}, closed {closed:.3}");
    assert!(
        open.abs() > 0.3,
        "the measurement sees the order of an open wave: τ = {open}"
    );
    assert!(closed.abs() < 0.2, "after closing, τ = {closed}");
}
