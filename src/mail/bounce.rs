//! Bounces: delivery status notifications (RFC 3464) read from an mbox file
//! or a maildir. A bounce is matched to the message it reports by the
//! Message-ID of the returned headers, never by a token.

use std::path::Path;

use mail_parser::{MessageParser, MimeHeaders, PartType};

/// One failed delivery reported by a DSN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    /// The Message-ID of the original message, without angle brackets.
    pub message_id: String,
    /// The DSN's status code (for example `5.1.1`).
    pub status: String,
    pub recipient: Option<String>,
}

/// What reading a mailbox found.
#[derive(Debug, Default)]
pub struct Scan {
    pub messages: usize,
    /// Permanent failures.
    pub bounces: Vec<Bounce>,
    /// Messages that are no DSN, or report only delays or successes.
    pub ignored: usize,
}

/// Reads every message of an mbox file or a maildir (its `new` and `cur`).
pub fn scan(path: &Path) -> Result<Scan, String> {
    let messages = if path.is_dir() {
        read_maildir(path)?
    } else {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        split_mbox(&bytes)
    };
    let mut scan = Scan::default();
    for raw in &messages {
        scan.messages += 1;
        let found = permanent_failures(raw);
        if found.is_empty() {
            scan.ignored += 1;
        }
        scan.bounces.extend(found);
    }
    Ok(scan)
}

fn read_maildir(dir: &Path) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut found_folder = false;
    for sub in ["new", "cur"] {
        let folder = dir.join(sub);
        if !folder.is_dir() {
            continue;
        }
        found_folder = true;
        let mut paths: Vec<_> = std::fs::read_dir(&folder)
            .map_err(|e| format!("{}: {e}", folder.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        for p in paths {
            out.push(std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?);
        }
    }
    if !found_folder {
        return Err(format!(
            "{} is a folder but not a maildir (it has neither new/ nor cur/)",
            dir.display()
        ));
    }
    Ok(out)
}

/// Splits an mbox (mboxrd or mboxo) at its `From ` separator lines and
/// undoes the `>From ` quoting.
fn split_mbox(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"From ") {
            if let Some(m) = current.take() {
                out.push(m);
            }
            current = Some(Vec::new());
            continue;
        }
        let Some(m) = current.as_mut() else { continue };
        let quoted = line.iter().position(|&b| b != b'>');
        match quoted {
            Some(n) if n > 0 && line[n..].starts_with(b"From ") => m.extend_from_slice(&line[1..]),
            _ => m.extend_from_slice(line),
        }
    }
    out.extend(current);
    out
}

/// The permanent failures a DSN reports, matched to the original
/// Message-ID; empty for anything else.
pub fn permanent_failures(raw: &[u8]) -> Vec<Bounce> {
    let Some(message) = MessageParser::default().parse(raw) else {
        return Vec::new();
    };
    let mut status_text = None;
    let mut original_id = None;
    for part in &message.parts {
        let ctype = part
            .content_type()
            .map(|c| {
                format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()).to_ascii_lowercase()
            })
            .unwrap_or_default();
        let body = raw
            .get(part.offset_body as usize..part.offset_end as usize)
            .unwrap_or_default();
        match ctype.as_str() {
            "message/delivery-status" | "message/global-delivery-status" => {
                status_text = Some(String::from_utf8_lossy(body).into_owned());
            }
            "text/rfc822-headers" | "message/rfc822-headers" | "message/global-headers" => {
                if let Some(m) = MessageParser::default().parse_headers(body) {
                    original_id = m.message_id().map(str::to_owned);
                }
            }
            "message/rfc822" | "message/global" => {
                if let PartType::Message(m) = &part.body {
                    original_id = m.message_id().map(str::to_owned);
                } else if let Some(m) = MessageParser::default().parse_headers(body) {
                    original_id = m.message_id().map(str::to_owned);
                }
            }
            _ => {}
        }
    }
    let (Some(status_text), Some(message_id)) = (status_text, original_id) else {
        return Vec::new();
    };
    let message_id = message_id.trim_matches(['<', '>']).to_owned();
    recipient_fields(&status_text)
        .into_iter()
        .filter(|r| r.action.eq_ignore_ascii_case("failed") && r.status.starts_with('5'))
        .map(|r| Bounce {
            message_id: message_id.clone(),
            status: r.status,
            recipient: r.recipient,
        })
        .collect()
}

struct RecipientFields {
    action: String,
    status: String,
    recipient: Option<String>,
}

/// The per-recipient field groups of a delivery-status body: groups are
/// separated by blank lines; the first group is per-message.
fn recipient_fields(text: &str) -> Vec<RecipientFields> {
    let text = text.replace("\r\n", "\n");
    text.split("\n\n")
        .skip(1)
        .filter_map(|group| {
            let mut action = None;
            let mut status = None;
            let mut recipient = None;
            for line in group.lines() {
                let Some((name, value)) = line.split_once(':') else {
                    continue;
                };
                let value = value.trim();
                match name.trim().to_ascii_lowercase().as_str() {
                    "action" => action = Some(value.to_owned()),
                    "status" => {
                        status = Some(value.split_whitespace().next().unwrap_or("").to_owned())
                    }
                    "final-recipient" | "original-recipient" if recipient.is_none() => {
                        recipient =
                            Some(value.rsplit(';').next().unwrap_or(value).trim().to_owned())
                    }
                    _ => {}
                }
            }
            Some(RecipientFields {
                action: action?,
                status: status?,
                recipient,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DSN of RFC 3464, appendix, adapted: one failed recipient.
    const DSN: &str = "From MAILER-DAEMON Mon Nov 23 10:00:00 2026\r
Return-Path: <>\r
From: Mail Delivery System <MAILER-DAEMON@relay.region.se>\r
To: klimat@region.se\r
Subject: Undelivered Mail Returned to Sender\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type=delivery-status; boundary=\"RAA14128.773615765/relay.region.se\"\r
\r
--RAA14128.773615765/relay.region.se\r
Content-Type: text/plain\r
\r
Your message could not be delivered.\r
\r
--RAA14128.773615765/relay.region.se\r
Content-Type: message/delivery-status\r
\r
Reporting-MTA: dns; relay.region.se\r
Arrival-Date: Mon, 23 Nov 2026 10:00:00 +0100\r
\r
Final-Recipient: rfc822; anna.svensson@region.se\r
Action: failed\r
Status: 5.1.1\r
Diagnostic-Code: smtp; 550 5.1.1 User unknown\r
\r
--RAA14128.773615765/relay.region.se\r
Content-Type: text/rfc822-headers\r
\r
From: Klimat <klimat@region.se>\r
To: anna.svensson@region.se\r
Subject: Inbjudan: Kreativt klimat\r
Message-ID: <0123456789abcdef0123456789abcdef@region.se>\r
\r
--RAA14128.773615765/relay.region.se--\r
";

    const DELAY: &str = "From MAILER-DAEMON Mon Nov 23 10:00:00 2026
From: MAILER-DAEMON@relay.region.se
Subject: Delayed Mail
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.region.se

Final-Recipient: rfc822; bo@region.se
Action: delayed
Status: 4.4.7

--b
Content-Type: text/rfc822-headers

Message-ID: <feedfeedfeedfeedfeedfeedfeedfeed@region.se>

--b--
From someone Mon Nov 23 10:00:00 2026
From: someone@region.se
Subject: Out of office
>From the desk of someone: I am away.
";

    #[test]
    fn a_failed_dsn_yields_the_original_message_id_and_status() {
        let mbox = format!("{DSN}{DELAY}");
        let messages = split_mbox(mbox.as_bytes());
        assert_eq!(messages.len(), 3);
        assert!(String::from_utf8_lossy(&messages[2]).contains("\nFrom the desk"));
        let found = permanent_failures(&messages[0]);
        assert_eq!(
            found,
            vec![Bounce {
                message_id: "0123456789abcdef0123456789abcdef@region.se".into(),
                status: "5.1.1".into(),
                recipient: Some("anna.svensson@region.se".into()),
            }]
        );
        assert!(
            permanent_failures(&messages[1]).is_empty(),
            "a delay is no bounce"
        );
        assert!(
            permanent_failures(&messages[2]).is_empty(),
            "an ordinary message is no bounce"
        );
    }

    #[test]
    fn mbox_files_and_maildirs_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let mbox = dir.path().join("bounces.mbox");
        std::fs::write(&mbox, format!("{DSN}{DELAY}")).unwrap();
        let s = scan(&mbox).unwrap();
        assert_eq!((s.messages, s.bounces.len(), s.ignored), (3, 1, 2));

        let maildir = dir.path().join("Maildir");
        std::fs::create_dir_all(maildir.join("new")).unwrap();
        std::fs::create_dir_all(maildir.join("cur")).unwrap();
        let body = DSN.split_once('\n').unwrap().1;
        std::fs::write(maildir.join("new/1.eml"), body).unwrap();
        let s = scan(&maildir).unwrap();
        assert_eq!((s.messages, s.bounces.len()), (1, 1));

        let e = scan(dir.path()).unwrap_err();
        assert!(e.contains("not a maildir"), "{e}");
        assert!(scan(&dir.path().join("missing")).is_err());
    }
}
