//! Writing one message: the rendered templates as plain text and HTML
//! alternatives, the fixed Message-ID, and the List-Unsubscribe headers,
//! which carry the opt-out link (never the survey link).

use lettre::Message;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use super::template::{Context, Templates};
use crate::config::Settings;
use crate::store::outbox::Claimed;
use crate::survey::Language;
use crate::token::{Purpose, Secret};

/// Everything needed to write messages, built once from settings.
#[derive(Debug)]
pub struct Composer {
    templates: Templates,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    public_url: String,
    secret: Secret,
    /// The domain of Message-IDs: the sender's.
    domain: String,
    organisation: Option<String>,
    contact: Option<String>,
}

/// The survey link of a token.
pub fn survey_link(public_url: &str, token: &str) -> String {
    format!("{}/s/{token}", public_url.trim_end_matches('/'))
}

/// The opt-out link of an opt-out token.
pub fn optout_link(public_url: &str, token: &str) -> String {
    format!("{}/o/{token}", public_url.trim_end_matches('/'))
}

impl Composer {
    pub fn new(settings: &Settings, secret: Secret) -> Result<Composer, String> {
        let templates = Templates::load(settings.mail_templates_dir.as_deref())?;
        let address = |text: &str| -> Result<lettre::Address, String> {
            super::parse_address(text)?
                .parse()
                .map_err(|e| format!("{text}: {e}"))
        };
        let from_address = address(&settings.mail_from)?;
        let domain = from_address.domain().to_owned();
        let from = Mailbox::new(Some(settings.mail_from_name.clone()), from_address);
        let reply_to = match &settings.mail_reply_to {
            Some(r) => Some(Mailbox::new(None, address(r)?)),
            None => None,
        };
        Ok(Composer {
            templates,
            from,
            reply_to,
            public_url: settings.public_url.clone(),
            secret,
            domain,
            organisation: settings.organisation_name.clone(),
            contact: settings.contact_email.clone(),
        })
    }

    /// The message for a claimed outbox row, to `email`.
    /// `survey` is the survey's title in the message's language and the
    /// minutes answering takes.
    pub fn compose(
        &self,
        m: &Claimed,
        email: &str,
        (survey_title, minutes): (&str, u32),
    ) -> Result<Message, String> {
        let lang = Language::from_code(&m.language).unwrap_or(Language::Sv);
        let token = self
            .secret
            .token(Purpose::Survey, m.wave_id, m.invitation_id);
        let optout = self
            .secret
            .token(Purpose::OptOut, m.wave_id, m.invitation_id);
        let optout_url = optout_link(&self.public_url, &optout);
        let ctx = Context {
            survey_title: survey_title.to_owned(),
            unit: m.unit_name.clone(),
            closes_on: m.closes_on.clone(),
            link: survey_link(&self.public_url, &token),
            optout_link: optout_url.clone(),
            min_group_size: m.min_group_size,
            minutes,
            round: m.round,
            organisation: self.organisation.clone(),
            contact: self.contact.clone(),
        };
        let rendered = self.templates.render(m.kind, lang, &ctx)?;
        let to: lettre::Address = email.parse().map_err(|e| format!("{email}: {e}"))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(rendered.subject)
            .message_id(Some(format!("<{}@{}>", m.message_id, self.domain)))
            .header(ListUnsubscribe(format!("<{optout_url}>")))
            .header(ListUnsubscribePost);
        if let Some(r) = &self.reply_to {
            builder = builder.reply_to(r.clone());
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| e.to_string())
    }
}

/// `List-Unsubscribe: <URL>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): mail
/// clients may POST to the link; a GET (a scanner) changes nothing.
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}
