//! The staff pages' words in Swedish and English.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::survey::Language;

pub type Words = BTreeMap<&'static str, &'static str>;

const PAIRS: &[(&str, &str, &str)] = &[
    ("skip", "Hoppa till innehållet", "Skip to content"),
    ("nav", "Huvudmeny", "Main menu"),
    ("studies", "Studier", "Studies"),
    ("admin", "Administration", "Administration"),
    ("logout", "Logga ut", "Log out"),
    ("login_title", "Logga in", "Log in"),
    ("login", "Logga in", "Log in"),
    ("email", "E-postadress", "E-mail address"),
    ("password", "Lösenord", "Password"),
    (
        "login_failed",
        "Fel e-postadress eller lösenord, eller så är kontot tillfälligt låst efter för många försök.",
        "Wrong e-mail address or password, or the account is locked for a while after too many attempts.",
    ),
    (
        "login_too_many",
        "För många inloggningsförsök. Vänta en minut och försök igen.",
        "Too many login attempts. Wait a minute and try again.",
    ),
    (
        "login_expired",
        "Inloggningsformuläret hade gått ut. Försök igen.",
        "The login form had expired. Please try again.",
    ),
    ("forbidden_title", "Ingen behörighet", "Not allowed"),
    (
        "forbidden",
        "Din roll ger inte tillgång till den här sidan eller åtgärden.",
        "Your role does not give access to this page or action.",
    ),
    ("not_found", "Hittades inte", "Not found"),
    ("study", "Studie", "Study"),
    ("survey", "Enkät", "Survey"),
    ("intervention", "Insatsen började", "Intervention began"),
    ("waves", "Mätomgångar", "Waves"),
    ("wave", "Mätomgång", "Wave"),
    ("opens", "Öppnar", "Opens"),
    ("closes", "Stänger", "Closes"),
    ("state", "Läge", "State"),
    ("state_draft", "utkast", "draft"),
    ("state_open", "öppen", "open"),
    ("state_closed", "stängd", "closed"),
    ("min_group", "Minsta gruppstorlek", "Minimum group size"),
    (
        "dashboard",
        "Översikt för ledningen",
        "Leadership dashboard",
    ),
    ("report", "Effektrapport", "Effect report"),
    ("download", "Ladda ner", "Download"),
    ("status", "Status per enhet", "Status per unit"),
    ("unit", "Enhet", "Unit"),
    ("invited", "Inbjudna", "Invited"),
    ("sent", "Skickade", "Sent"),
    ("failed", "Kunde inte levereras", "Undeliverable"),
    ("opted_out", "Avregistrerade", "Opted out"),
    ("answered", "Svarat", "Answered"),
    ("rate", "Svarsfrekvens", "Response rate"),
    ("total", "Totalt", "Total"),
    ("hidden", "dold", "hidden"),
    (
        "hidden_note",
        "”dold”: färre svarande än minsta gruppstorlek, eller dold för att en annan dold grupp inte ska kunna räknas fram.",
        "“hidden”: fewer respondents than the minimum group size, or hidden so that another hidden group cannot be worked out.",
    ),
    ("actions", "Åtgärder", "Actions"),
    ("open_wave", "Öppna mätomgången", "Open the wave"),
    ("close_wave", "Stäng mätomgången", "Close the wave"),
    ("send", "Köa inbjudningar", "Queue invitations"),
    ("remind", "Köa påminnelser", "Queue reminders"),
    (
        "min_days",
        "Minst antal dagar sedan förra meddelandet",
        "At least this many days since the last message",
    ),
    (
        "max_reminders",
        "Högst antal påminnelser per person",
        "At most this many reminders per person",
    ),
    (
        "queued_note",
        "Meddelanden köas och skickas av utskicksprocessen, aldrig medan sidan laddar.",
        "Messages are queued and sent by the mail worker, never while the page loads.",
    ),
    ("export", "Exportera svar (CSV)", "Export responses (CSV)"),
    (
        "export_note",
        "Exporten loggas. Svar från dolda enheter har enheten ”(hidden units)”.",
        "Exports are logged. Responses from hidden units carry the unit “(hidden units)”.",
    ),
    ("done_open", "Mätomgången är öppen.", "The wave is open."),
    (
        "done_close",
        "Mätomgången är stängd; utkast och köade meddelanden är borttagna.",
        "The wave is closed; drafts and queued messages are removed.",
    ),
    ("done_send", "inbjudningar köade.", "invitations queued."),
    ("done_remind", "påminnelser köade.", "reminders queued."),
    ("dimension", "Dimension", "Dimension"),
    ("group", "Enheter under", "Units under"),
    ("whole_org", "hela organisationen", "the whole organisation"),
    ("profile_unit", "Profil för enhet", "Profile of unit"),
    ("show", "Visa", "Show"),
    ("organisation", "Organisationen", "Organisation"),
    ("trend", "Utveckling över mätomgångar", "Trend over waves"),
    (
        "heatmap",
        "Alla dimensioner, senaste mätomgången",
        "All dimensions, latest wave",
    ),
    ("profile", "Klimatprofil", "Climate profile"),
    ("rates", "Svarsfrekvens", "Response rates"),
    ("mean", "Medelvärde", "Mean"),
    ("ci", "95 % KI", "95 % CI"),
    ("n", "n", "n"),
    ("change", "Förändring", "Change"),
    (
        "data_table",
        "Tabell med samma siffror",
        "Table with the same figures",
    ),
    ("mean_axis", "Medelvärde", "Mean score"),
    ("wave_axis", "Mätomgång", "Wave"),
    ("no_data", "Inga svar ännu.", "No responses yet."),
    (
        "trend_note",
        "Linjerna visar enheten med allt under den; högst 12 enheter ritas, tabellen visar alla.",
        "Lines show the unit with everything under it; at most 12 units are drawn, the table lists all.",
    ),
    ("users", "Konton", "Accounts"),
    ("role", "Roll", "Role"),
    ("add_user", "Lägg till konto", "Add an account"),
    (
        "initial_password",
        "Första lösenord (minst 12 tecken)",
        "First password (at least 12 characters)",
    ),
    ("disable", "Stäng av", "Disable"),
    ("enable", "Aktivera", "Enable"),
    ("disabled", "avstängt", "disabled"),
    ("units", "Enheter", "Units"),
    ("units_stored", "enheter finns.", "units are stored."),
    (
        "units_csv",
        "Enheter som CSV (code,name,parent), allt eller inget; nya läggs till, kända byter namn, inga tas bort",
        "Units as CSV (code,name,parent), all or nothing; new ones are added, known ones renamed, none removed",
    ),
    ("import_units", "Importera enheter", "Import units"),
    (
        "done_units",
        "enheter tillagda eller omdöpta.",
        "units added or renamed.",
    ),
    ("retention", "Gallring", "Retention"),
    ("purge", "Radera e-postadresser", "Delete e-mail addresses"),
    (
        "purge_note",
        "För stängda mätomgångar: adresserna raderas, svarsfrekvenserna finns kvar.",
        "For closed waves: the addresses are deleted, response rates remain.",
    ),
    ("audit", "Händelselogg", "Audit log"),
    ("when", "När", "When"),
    ("who", "Vem", "Who"),
    ("what", "Vad", "What"),
    ("detail", "Detaljer", "Detail"),
    ("done_user", "Kontot är tillagt.", "The account is added."),
    ("done_purge", "adresser raderade.", "addresses deleted."),
    ("error", "Det gick inte", "That did not work"),
];

static SV: LazyLock<Words> = LazyLock::new(|| PAIRS.iter().map(|p| (p.0, p.1)).collect());
static EN: LazyLock<Words> = LazyLock::new(|| PAIRS.iter().map(|p| (p.0, p.2)).collect());

pub fn all(lang: Language) -> &'static Words {
    match lang {
        Language::Sv => &SV,
        Language::En => &EN,
    }
}

/// One word; a missing key is a programming error caught by the tests.
pub fn pick(lang: Language, key: &str) -> &'static str {
    all(lang).get(key).copied().unwrap_or_else(|| {
        debug_assert!(false, "no staff word `{key}`");
        "?"
    })
}
