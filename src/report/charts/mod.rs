//! Charts as self-contained SVG (plotters), for reports and pages.
//!
//! No system fonts are needed: the SVG holds text elements that the reader's
//! browser lays out. Every chart has a title and a text description
//! (`<title>`, `<desc>`, `role="img"`) and uses the Okabe–Ito palette, which
//! stays distinguishable with the common colour-vision deficiencies; series
//! differ in marker shape and line style too, not only in colour.

mod effect;

pub use effect::{event_study_chart, forest_chart, means_chart};

use plotters::style::RGBColor;

/// Okabe–Ito: blue, vermillion, bluish green, orange, sky blue, reddish purple.
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0xCC, 0x79, 0xA7),
];

/// A dark grey for axes, reference lines and text (contrast ≥ 7:1 on white).
pub const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);

/// Adds the accessible name and description to an SVG from plotters.
pub fn accessible(svg: String, id: &str, title: &str, description: &str) -> String {
    let Some(end) = svg.find('>') else { return svg };
    let (open, rest) = svg.split_at(end);
    let open = open.replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-labelledby=\"{id}-title {id}-desc\""),
        1,
    );
    format!(
        "{open}><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>{}",
        escape(title),
        escape(description),
        &rest[1..]
    )
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A y range that holds all `values` with a little room.
pub fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (-1.0, 1.0);
    }
    let pad = ((hi - lo) * 0.12).max(0.05);
    (lo - pad, hi + pad)
}
