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
    ("back", "Tillbaka", "Back"),
    (
        "server_error_title",
        "Något gick fel",
        "Something went wrong",
    ),
    (
        "server_error",
        "Något gick fel på servern. Inget ändrades; försök igen om en stund. Felet är loggat.",
        "Something went wrong on the server. Nothing was changed; try again in a while. The error is logged.",
    ),
    (
        "csrf_title",
        "Formuläret togs inte emot",
        "The form was not accepted",
    ),
    (
        "csrf",
        "Formuläret är för gammalt eller kom inte från Klimat. Ladda om sidan och försök igen.",
        "The form is out of date or did not come from klimat. Reload the page and try again.",
    ),
    ("surveys", "Enkäter", "Surveys"),
    ("design", "Dimensionera en pilot", "Size a pilot"),
    ("new_study", "Ny studie", "New study"),
    ("edit_study", "Ändra studien", "Edit the study"),
    ("delete_study", "Ta bort studien", "Delete the study"),
    ("create_study", "Skapa studien", "Create the study"),
    ("study_name", "Studiens namn", "Name of the study"),
    (
        "study_name_note",
        "Till exempel pilot-2025; namnet står i adresser och rapporter.",
        "For example pilot-2025; the name appears in addresses and reports.",
    ),
    (
        "intervention_date",
        "Dag då insatsen började",
        "Day the intervention began",
    ),
    (
        "choose_arms",
        "Pilot- och kontrollenheter",
        "Pilot and control units",
    ),
    (
        "choose_arms_note",
        "Välj pilot eller kontroll för en enhet; en enhet som har enheter under sig tar med dem, om inte en enhet längre ner väljs annorlunda.",
        "Choose pilot or control for a unit; a unit with units under it brings them along unless a unit further down is chosen differently.",
    ),
    ("pilot", "Pilot", "Pilot"),
    ("control", "Kontroll", "Control"),
    ("neither", "Ingen", "Neither"),
    ("arms", "Grupper", "Arms"),
    ("pilot_units", "Pilotenheter", "Pilot units"),
    ("control_units", "Kontrollenheter", "Control units"),
    (
        "editable_note",
        "Studien kan ändras eller tas bort tills en mätomgång har öppnats.",
        "The study can be changed or deleted until a wave has opened.",
    ),
    (
        "need_survey",
        "Publicera en enkät först (Enkäter), sedan kan en studie skapas.",
        "Publish a survey first (Surveys); then a study can be created.",
    ),
    (
        "need_units",
        "Importera organisationens enheter först (Administration), sedan kan en studie skapas.",
        "Import the organisation's units first (Administration); then a study can be created.",
    ),
    (
        "no_studies",
        "Det finns inga studier än.",
        "There are no studies yet.",
    ),
    (
        "no_studies_evaluator",
        "Det finns inga studier än: publicera en enkät och skapa den första studien.",
        "There are no studies yet: publish a survey and create the first study.",
    ),
    (
        "no_waves",
        "Studien har inga mätomgångar än.",
        "The study has no waves yet.",
    ),
    (
        "no_waves_evaluator",
        "Studien har inga mätomgångar än: skapa den första.",
        "The study has no waves yet: create the first one.",
    ),
    ("new_wave", "Ny mätomgång", "New wave"),
    ("edit_wave", "Ändra mätomgången", "Edit the wave"),
    ("delete_wave", "Ta bort mätomgången", "Delete the wave"),
    ("create_wave", "Skapa mätomgången", "Create the wave"),
    ("wave_name", "Mätomgångens namn", "Name of the wave"),
    (
        "wave_name_note",
        "Rapporter ordnar mätomgångar efter namn: skriv till exempel 2025-03.",
        "Reports order waves by name: write for example 2025-03.",
    ),
    (
        "min_group_note",
        "Grupper med färre svarande visas inte; minst 3.",
        "Groups with fewer respondents are not shown; at least 3.",
    ),
    ("not_saved", "Inget sparades", "Nothing was saved"),
    ("save", "Spara", "Save"),
    ("cancel", "Avbryt", "Cancel"),
    (
        "draft_note",
        "Utkast: lägg in utskickslista och koder, öppna sedan mätomgången. När den öppnar låses listan.",
        "Draft: add the roster and codes, then open the wave. Opening freezes the roster.",
    ),
    (
        "roster_and_codes",
        "Utskickslista och koder",
        "Roster and codes",
    ),
    ("roster_counts", "Inbjudna per enhet", "Invited per unit"),
    (
        "no_roster",
        "Ingen är inbjuden än: ladda upp en utskickslista eller skapa koder.",
        "Nobody is invited yet: upload a roster or make codes.",
    ),
    (
        "upload_roster",
        "Ladda upp utskickslista",
        "Upload a roster",
    ),
    (
        "roster_note",
        "CSV med kolumnerna email,unit,language. Allt eller inget: finns ett fel sparas ingenting och alla fel listas.",
        "CSV with the columns email,unit,language. All or nothing: if anything is wrong nothing is stored and every problem is listed.",
    ),
    ("roster_file", "Fil (CSV, UTF-8)", "File (CSV, UTF-8)"),
    (
        "roster_mode",
        "Vad ska hända med listan som finns?",
        "What happens to the roster there is?",
    ),
    ("roster_add", "Lägg till personerna", "Add the people"),
    (
        "roster_replace",
        "Ersätt listan (koderna finns kvar)",
        "Replace the roster (codes stay)",
    ),
    (
        "roster_frozen",
        "Utskickslistan och koderna låstes när mätomgången öppnade.",
        "The roster and codes were frozen when the wave opened.",
    ),
    ("upload", "Ladda upp", "Upload"),
    ("codes", "Koder", "Codes"),
    (
        "codes_title",
        "Engångskoder för personal utan e-post",
        "One-time codes for staff without e-mail",
    ),
    (
        "codes_note",
        "Varje kod är en personlig länk som tar emot ett svar. Skriv ut korten och dela ut dem; behåll inga kopior.",
        "Each code is a personal link that takes one answer. Print the cards and hand them out; keep no copies.",
    ),
    ("codes_count", "Antal koder", "Number of codes"),
    ("codes_language", "Kortens språk", "Language of the cards"),
    ("add_codes", "Skapa koder", "Make codes"),
    ("code_sheet", "Skriv ut kodkorten", "Print the code cards"),
    (
        "import_answers",
        "Lägg in tidigare svar",
        "Add earlier answers",
    ),
    (
        "answers_note",
        "En svarsfil i offlineformatet (unit,wave,frågor), till exempel en tidigare mätning eller pappersenkäter, innan mätomgången stänger: allt eller inget, fel med rad och kolumn.",
        "A responses file in the offline format (unit,wave,items), such as an earlier survey or paper questionnaires, before the wave closes: all or nothing, problems by line and column.",
    ),
    ("answers_file", "Svarsfil (CSV)", "Responses file (CSV)"),
    (
        "close_not_open",
        "Bara en öppen mätomgång kan stängas; den här är",
        "Only an open wave can be closed; this one is",
    ),
    (
        "close_drafts",
        "Sparade utkast tas bort: den som har påbörjat men inte skickat in sina svar kan inte längre göra det.",
        "Saved drafts are deleted: whoever started but has not submitted can no longer do so.",
    ),
    (
        "close_queued",
        "köade meddelanden skickas aldrig.",
        "queued messages are never sent.",
    ),
    (
        "close_final",
        "Det går inte att öppna mätomgången igen. Svaren ordnas om så att ordningen inte avslöjar vem som svarade när.",
        "The wave cannot be opened again. The answers are rewritten so that their order does not tell who answered when.",
    ),
    (
        "close_confirm_button",
        "Ja, stäng mätomgången",
        "Yes, close the wave",
    ),
    ("delete_confirm_button", "Ja, ta bort", "Yes, delete"),
    (
        "delete_wave_invited",
        "personer på utskickslistan och deras koder tas bort, liksom inlagda tidigare svar.",
        "people on the roster and their codes are removed, and any earlier answers added.",
    ),
    (
        "delete_study_waves",
        "mätomgångar (alla utkast) tas bort med sina utskickslistor.",
        "waves (all drafts) are removed with their rosters.",
    ),
    (
        "delete_final",
        "Det går inte att ångra.",
        "This cannot be undone.",
    ),
    ("while_open", "visas när den stänger", "shown after closing"),
    (
        "done_wave_created",
        "Mätomgången är skapad som utkast. Lägg in utskickslistan.",
        "The wave is created as a draft. Add its roster.",
    ),
    (
        "done_saved",
        "Ändringarna är sparade.",
        "The changes are saved.",
    ),
    (
        "done_send_none",
        "Inga inbjudningar köades.",
        "No invitations were queued.",
    ),
    (
        "send_none_why",
        "Alla på listan har redan fått en inbjudan, eller så är listan tom; koder skickas inte med e-post.",
        "Everyone on the roster has been invited already, or the roster is empty; codes are not e-mailed.",
    ),
    (
        "done_remind_none",
        "Inga påminnelser köades.",
        "No reminders were queued.",
    ),
    (
        "remind_none_why",
        "Ingen uppfyller villkoren: de som svarat, avregistrerat sig, inte nåtts, fått sitt senaste meddelande för nyligen, redan fått högst antal påminnelser eller har ett meddelande i kö får ingen.",
        "Nobody meets the rule: those who answered, opted out, were not reached, got their last message too recently, had the most reminders already or have a message waiting get none.",
    ),
    (
        "done_roster",
        "personer tillagda på utskickslistan.",
        "people added to the roster.",
    ),
    ("done_codes", "koder skapade.", "codes made."),
    (
        "done_answers",
        "tidigare svar inlagda.",
        "earlier answers added.",
    ),
    ("scores", "Mätegenskaper", "Scoring"),
    (
        "validity",
        "Mäter dimensionerna det de ska?",
        "Do the dimensions measure what they claim?",
    ),
    (
        "validity_note",
        "Konfirmatorisk faktoranalys av enkätens dimensionsmodell på mätomgångens fullständiga svar, och mätinvarians mellan pilot och kontroll. Medelvärden kan jämföras när frågorna mäter likadant i båda armarna (skalär invarians). Kommandot klimat validity ger hela analysen.",
        "Confirmatory factor analysis of the survey's dimension model on the wave's complete answers, and measurement invariance between pilot and control. Means may be compared when the items measure alike in both arms (scalar invariance). The command klimat validity gives the whole analysis.",
    ),
    (
        "validity_fit",
        "Modellens anpassning, fullständiga svar",
        "The model's fit, complete answers",
    ),
    (
        "weakest_loading",
        "Svagaste standardiserade laddning",
        "Weakest standardised loading",
    ),
    (
        "invariance_arms",
        "Invarians mellan armarna",
        "Invariance between the arms",
    ),
    (
        "means_comparable",
        "Medelvärden jämförbara",
        "Means comparable",
    ),
    ("not_tested", "inte prövad", "not tested"),
    ("yes", "ja", "yes"),
    ("no", "nej", "no"),
    (
        "validity_advice",
        "Att se över i nästa version av enkäten",
        "To revise in the next version of the survey",
    ),
    (
        "scores_caption",
        "Per dimension: reliabilitet (alfa, omega) och samstämmighet (ICC, rwg)",
        "Per dimension: reliability (alpha, omega) and agreement (ICC, rwg)",
    ),
    ("respondents", "Svarande", "Respondents"),
    ("lower_better", "lägre är bättre", "lower is better"),
    (
        "upload_survey",
        "Ladda upp en enkätfil",
        "Upload a survey file",
    ),
    (
        "upload_survey_note",
        "En TOML-fil i Klimats format. Den kontrolleras och kan förhandsgranskas innan den publiceras; en publicerad version ändras aldrig.",
        "A TOML file in klimat's format. It is checked and can be previewed before it is published; a published version never changes.",
    ),
    ("survey_file", "Enkätfil (TOML)", "Survey file (TOML)"),
    ("check_survey", "Kontrollera enkäten", "Check the survey"),
    (
        "published_versions",
        "Publicerade versioner",
        "Published versions",
    ),
    (
        "no_surveys",
        "Ingen enkät är publicerad än: ladda upp den första.",
        "No survey is published yet: upload the first one.",
    ),
    ("version", "Version", "Version"),
    ("hash", "Innehållets kontrollsumma", "Content hash"),
    ("published_at", "Publicerad", "Published"),
    (
        "survey_invalid",
        "Enkäten kan inte publiceras",
        "The survey cannot be published",
    ),
    (
        "survey_fix",
        "Rätta filen och ladda upp den igen.",
        "Correct the file and upload it again.",
    ),
    ("survey_valid", "Enkäten är giltig.", "The survey is valid."),
    ("languages", "Språk", "Languages"),
    ("items", "Frågor", "Items"),
    ("pages", "Sidor", "Pages"),
    ("page", "sida", "page"),
    ("free_texts", "fritextfrågor", "free-text questions"),
    ("dimensions", "Dimensioner", "Dimensions"),
    ("preview", "Förhandsgranska", "Preview"),
    (
        "preview_note",
        "Förhandsgranskning: så ser de svarande enkäten. Inget kan skickas in härifrån.",
        "Preview: this is how respondents see the survey. Nothing can be submitted from here.",
    ),
    ("publish", "Publicera", "Publish"),
    (
        "publish_note",
        "En publicerad version kan inte ändras; en ändring publiceras som nästa version.",
        "A published version cannot change; a change is published as the next version.",
    ),
    (
        "survey_same",
        "Den här versionen är redan publicerad med samma innehåll: inget behöver göras.",
        "This version is published already with the same content: nothing to do.",
    ),
    (
        "survey_clash",
        "Den här versionen är redan publicerad med annat innehåll. Höj versionsnumret i filen och ladda upp den igen.",
        "This version is published already with other content. Raise the version number in the file and upload it again.",
    ),
    ("done_published", "Publicerad:", "Published:"),
    (
        "done_unchanged",
        "redan publicerad med samma innehåll; inget ändrades.",
        "published already with this content; nothing changed.",
    ),
    (
        "design_note",
        "Hur stor effekt kan en pilot med så här många enheter upptäcka? Effekten är i standardavvikelser av en persons dimensionspoäng (0,2 liten, 0,5 medel, 0,8 stor).",
        "How large an effect can a pilot with this many units detect? The effect is in standard deviations of a person's dimension score (0.2 small, 0.5 medium, 0.8 large).",
    ),
    ("not_computed", "Inget beräknades", "Nothing was computed"),
    (
        "not_a_number",
        "är inget tal (0 eller mer)",
        "is not a number (0 or more)",
    ),
    ("compute", "Beräkna", "Compute"),
    ("power_units_pilot", "Pilotenheter", "Pilot units"),
    ("power_units_control", "Kontrollenheter", "Control units"),
    (
        "power_respondents_per_unit",
        "Svarande per enhet och mätomgång",
        "Respondents per unit and wave",
    ),
    (
        "power_icc",
        "Intraklasskorrelation (ICC(1))",
        "Intraclass correlation (ICC(1))",
    ),
    (
        "power_waves_pre",
        "Mätomgångar före insatsen",
        "Waves before the intervention",
    ),
    (
        "power_waves_post",
        "Mätomgångar efter insatsen",
        "Waves after the intervention",
    ),
    (
        "power_stability",
        "Andel av skillnaden mellan enheter som består mellan mätomgångar",
        "Share of the between-unit variance that stays from wave to wave",
    ),
    (
        "power_alpha",
        "Signifikansnivå (tvåsidig)",
        "Significance level (two-sided)",
    ),
    ("power_power", "Styrka", "Power"),
    ("power_result", "Resultat", "Result"),
    (
        "power_mde",
        "Minsta effekt som kan upptäckas",
        "Minimum detectable effect",
    ),
    (
        "power_deff",
        "Designeffekt för ett enhetsmedelvärde",
        "Design effect of a unit mean",
    ),
    (
        "power_sd_change",
        "Standardavvikelse för en enhets förändring",
        "SD of a unit's change",
    ),
    ("power_df", "Frihetsgrader", "Degrees of freedom"),
    (
        "power_smallest_p",
        "Minsta möjliga p i permutationstestet",
        "Smallest attainable permutation p",
    ),
    (
        "power_assignments",
        "sätt att välja pilotenheterna",
        "ways to choose the pilot units",
    ),
    (
        "power_unattainable",
        "Med den här designen kan inget resultat bli signifikant på vald nivå: lägg till enheter, inte svarande.",
        "With this design no result can be significant at the chosen level: add units, not respondents.",
    ),
    ("preview_unit", "Enhetens namn", "The unit's name"),
    ("role_viewer", "läsare", "viewer"),
    ("role_evaluator", "utvärderare", "evaluator"),
    ("role_admin", "administratör", "administrator"),
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

/// A role as a word for people.
pub fn role(lang: Language, role: crate::auth::Role) -> &'static str {
    pick(lang, &format!("role_{}", role.as_str()))
}

/// What the audit log's actions mean, in words.
const ACTIONS: &[(&str, &str, &str)] = &[
    ("login", "inloggning", "login"),
    ("login.failed", "misslyckad inloggning", "failed login"),
    ("login.refused", "nekad inloggning", "refused login"),
    ("logout", "utloggning", "logout"),
    ("survey.publish", "enkät publicerad", "survey published"),
    ("study.create", "studie skapad", "study created"),
    ("study.update", "studie ändrad", "study changed"),
    ("study.delete", "studie borttagen", "study deleted"),
    ("wave.create", "mätomgång skapad", "wave created"),
    ("wave.update", "mätomgång ändrad", "wave changed"),
    ("wave.delete", "mätomgång borttagen", "wave deleted"),
    ("wave.open", "mätomgång öppnad", "wave opened"),
    ("wave.close", "mätomgång stängd", "wave closed"),
    ("wave.send", "inbjudningar köade", "invitations queued"),
    ("wave.remind", "påminnelser köade", "reminders queued"),
    ("wave.codes", "koder skapade", "codes made"),
    ("wave.code_sheet", "kodkort utskrivna", "code cards printed"),
    ("roster.import", "utskickslista tillagd", "roster added"),
    ("roster.replace", "utskickslista ersatt", "roster replaced"),
    (
        "responses.import",
        "tidigare svar inlagda",
        "earlier answers imported",
    ),
    ("export.responses", "svar exporterade", "responses exported"),
    (
        "export.report",
        "effektrapport hämtad",
        "effect report downloaded",
    ),
    ("units.import", "enheter importerade", "units imported"),
    ("user.add", "konto tillagt", "account added"),
    ("user.disable", "konto avstängt", "account disabled"),
    ("user.enable", "konto aktiverat", "account enabled"),
    ("user.password", "lösenord bytt", "password changed"),
    ("retention.purge", "adresser raderade", "addresses deleted"),
    ("token.create", "API-nyckel skapad", "API token created"),
    ("token.revoke", "API-nyckel återkallad", "API token revoked"),
];

/// An audit action in words; one klimat does not know is shown as it is.
pub fn audit_action(lang: Language, action: &str) -> &str {
    ACTIONS
        .iter()
        .find(|a| a.0 == action)
        .map_or(action, |a| if lang == Language::Sv { a.1 } else { a.2 })
}
