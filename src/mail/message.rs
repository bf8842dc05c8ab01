//! Writing one message: the rendered templates as plain text and HTML
//! alternatives, the fixed Message-ID, and the List-Unsubscribe headers,
//! which carry the opt-out link (never the survey link).

use lettre::Message;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use super::template::{Context, Templates};
use crate::config::Settings;
use crate::store::managers::Notice;
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

impl Composer {
    /// The notice to a unit manager that the unit's feedback report of a
    /// wave is ready: where to read it (the staff page, behind the
    /// manager's login) and nothing of what it says.
    pub fn notice(&self, n: &Notice) -> Result<Message, String> {
        let lang = Language::from_code(&n.language).unwrap_or(Language::Sv);
        let link = feedback_link(&self.public_url, n, lang);
        let (subject, text) = notice_text(n, lang, &link, self.contact.as_deref());
        let to: lettre::Address = n.email.parse().map_err(|e| format!("{}: {e}", n.email))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(subject)
            .message_id(Some(format!("<{}@{}>", n.message_id, self.domain)));
        if let Some(r) = &self.reply_to {
            builder = builder.reply_to(r.clone());
        }
        builder
            .singlepart(lettre::message::SinglePart::plain(text))
            .map_err(|e| e.to_string())
    }
}

/// The feedback report's page for the notice's unit and wave.
pub fn feedback_link(public_url: &str, n: &Notice, lang: Language) -> String {
    // RFC 3986's unreserved characters stay as they are.
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, KEEP).to_string();
    format!(
        "{}/staff/studies/{}/feedback/{}?wave={}&lang={}",
        public_url.trim_end_matches('/'),
        enc(&n.study),
        enc(&n.unit_code),
        enc(&n.wave),
        lang.code()
    )
}

/// The notice's subject and text.
fn notice_text(n: &Notice, lang: Language, link: &str, contact: Option<&str>) -> (String, String) {
    let (unit, wave) = (&n.unit_name, &n.wave);
    match lang {
        Language::Sv => (
            format!("Resultatåterföring för {unit}: mätomgång {wave}"),
            format!(
                "Hej,\n\nResultaten för {unit} från mätomgång {wave} finns nu att läsa. \
                 Rapporten visar enhetens profil jämfört med organisationen och förra \
                 mätomgången, styrkor och utvecklingsområden, och frågor att ta upp på \
                 arbetsplatsträffen.\n\nLäs den här (du loggar in med ditt konto):\n{link}\n\n\
                 Själva resultaten skickas aldrig med e-post.{}\n",
                contact
                    .map(|c| format!("\nFrågor: {c}"))
                    .unwrap_or_default()
            ),
        ),
        Language::En => (
            format!("Feedback for {unit}: wave {wave}"),
            format!(
                "Hello,\n\nThe results for {unit} from wave {wave} are ready. The report \
                 shows the unit's profile against the organisation and the previous wave, \
                 strengths and areas to develop, and questions for the workplace meeting.\n\n\
                 Read it here (you sign in with your account):\n{link}\n\n\
                 The results themselves are never sent by e-mail.{}\n",
                contact
                    .map(|c| format!("\nQuestions: {c}"))
                    .unwrap_or_default()
            ),
        ),
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
