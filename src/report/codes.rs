//! The sheet of one-time codes for staff without work e-mail: a printable
//! HTML page (A4, ten cards a page to cut apart, each with the link, its QR code and a
//! line on anonymity, in the code's language) and a CSV of the same codes.
//! Knows nothing of where the codes come from.

use qrcode::QrCode;
use qrcode::render::svg;

use super::charts::escape;

/// One card: a unit's code as a link.
pub struct Card<'a> {
    pub unit_name: &'a str,
    /// "sv" or "en".
    pub language: &'a str,
    pub url: String,
}

fn words(lang: &str) -> [&'static str; 3] {
    if lang == "en" {
        [
            "Your personal survey link",
            "Scan the code or type the address. The link works once; your answers cannot be linked to you, \
             and results are shown only for groups that are large enough.",
            "One code per person. Keep it to yourself.",
        ]
    } else {
        [
            "Din personliga enkätlänk",
            "Skanna koden eller skriv in adressen. Länken fungerar en gång; dina svar kan inte kopplas till dig, \
             och resultat visas bara för grupper som är tillräckligt stora.",
            "En kod per person. Behåll den för dig själv.",
        ]
    }
}

/// The QR code of `text` as inline SVG.
fn qr(text: &str) -> String {
    match QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let image = code
                .render::<svg::Color>()
                .min_dimensions(150, 150)
                .quiet_zone(true)
                .build();
            // Inline in HTML: no XML declaration.
            match image.find("<svg") {
                Some(i) => image[i..].to_owned(),
                None => image,
            }
        }
        Err(_) => String::new(),
    }
}

/// The sheet as a self-contained HTML page.
pub fn html(title: &str, cards: &[Card]) -> String {
    let mut out = String::from(
        "<!doctype html>\n<html lang=\"sv\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
    );
    out += &format!("<title>{}</title>", escape(title));
    out += "<style>\
        body{font-family:system-ui,sans-serif;margin:0;color:#111}\
        .sheet{display:grid;grid-template-columns:1fr 1fr;gap:0}\
        .card{border:1px dashed #999;padding:4mm;break-inside:avoid;display:flex;gap:4mm;align-items:center;height:55mm;box-sizing:border-box;overflow:hidden}\
        .card svg{width:27mm;height:27mm;flex:none}\
        .card h2{font-size:10.5pt;margin:0 0 1.5mm}\
        .card p{font-size:7.5pt;margin:0 0 1.5mm;line-height:1.25}\
        .url{font-family:ui-monospace,monospace;font-size:7pt;word-break:break-all}\
        @page{size:A4;margin:10mm}\
        @media screen{.sheet{max-width:210mm;margin:auto}}\
        </style></head><body><main class=\"sheet\">";
    for card in cards {
        let [heading, anonymity, keep] = words(card.language);
        out += &format!(
            "<section class=\"card\" lang=\"{}\">{}<div><h2>{}</h2><p><strong>{}</strong></p><p>{}</p>\
             <p class=\"url\">{}</p><p>{}</p></div></section>",
            escape(card.language),
            qr(&card.url),
            escape(heading),
            escape(card.unit_name),
            escape(anonymity),
            escape(&card.url),
            escape(keep),
        );
    }
    out += "</main></body></html>\n";
    out
}

/// The sheet as CSV: unit, language, link.
pub fn csv(cards: &[(&str, &Card)]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["unit", "language", "link"]);
    for (unit, card) in cards {
        let _ = w.write_record([*unit, card.language, card.url.as_str()]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_card_carries_its_link_as_text_and_as_a_qr_code() {
        let cards = [Card {
            unit_name: "Enhet <Norr>",
            language: "sv",
            url: "https://klimat.example/s/0123456789abcdef0123456789abcdef01234567".into(),
        }];
        let page = html("Koder", &cards);
        assert!(page.contains("https://klimat.example/s/0123456789abcdef0123456789abcdef01234567"));
        assert!(page.contains("Enhet &lt;Norr&gt;"));
        assert_eq!(page.matches("<svg").count(), 1);
        assert!(!page.contains("<?xml"));
    }
}
