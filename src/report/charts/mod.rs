//! Charts as self-contained SVG (plotters), for reports and pages.
//!
//! No system fonts are needed: the SVG holds text elements that the reader's
//! browser lays out. Every chart has a title and a text description
//! (`<title>`, `<desc>`, `role="img"`) and uses the Okabe–Ito palette, which
//! stays distinguishable with the common colour-vision deficiencies; series
//! differ in marker shape and line style too, not only in colour.

mod dashboard;
mod effect;
mod rollout;

pub use dashboard::{
    ChartText, HeatWords, MAX_TREND_LINES, Profile, arrow, group_trend_chart, heatmap_chart,
    profile, profile_chart, trend_chart,
};
pub use effect::{event_study_chart, forest_chart, means_chart};
pub use rollout::{bacon_chart, event_time_chart};

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

const FONT: &str = "sans-serif";

type Drawn = Result<(), Box<dyn std::error::Error>>;

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

pub(crate) type WaveChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The series legend every chart draws: inside the plot at `position`, on a
/// near-opaque white box with an ink border, labels at `size` px.
pub(crate) fn legend<'a, 'b: 'a>(
    chart: &mut WaveChart<'a, 'b>,
    position: SeriesLabelPosition,
    size: u32,
) -> Drawn {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(INK)
        .label_font((FONT, size).into_font().color(&INK))
        .draw()?;
    Ok(())
}

/// A chart with one x position per wave, labelled with the wave's name, and
/// the y range `y`.
pub(crate) fn wave_chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    title: String,
    waves: &[String],
    y: (f64, f64),
    x_desc: String,
    y_desc: String,
) -> Result<WaveChart<'a, 'b>, Box<dyn std::error::Error>> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 18).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(-0.5f64..(waves.len() as f64 - 0.5), y.0..y.1)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .disable_x_mesh()
        .x_labels(waves.len())
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                waves.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style((FONT, 14).into_font().color(&INK))
        .label_style((FONT, 12).into_font().color(&INK))
        .draw()?;
    Ok(chart)
}

/// Drawing into a string fails only on a plotters bug; the chart is then left
/// incomplete rather than failing the report.
pub(crate) fn drawn(result: Drawn) {
    if let Err(e) = result {
        debug_assert!(false, "chart drawing failed: {e}");
    }
}
