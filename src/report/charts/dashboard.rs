//! The leadership dashboard's charts: trends over waves, a heatmap of units ×
//! dimensions, and a unit's profile against the organisation. Hidden figures
//! are simply absent (the model carries no number for them).

use plotters::prelude::*;

use super::{Drawn, FONT, INK, PALETTE, accessible, drawn, legend, wave_chart};
use crate::dashboard::{Dashboard, Figure};

/// What a chart says in the reader's language.
pub struct ChartText<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub x: &'a str,
    pub y: &'a str,
    pub organisation: &'a str,
    /// The grey context lines' legend entry ("other units").
    pub others: &'a str,
}

/// At most this many unit lines are drawn; the data table lists them all.
pub const MAX_TREND_LINES: usize = 12;

/// Dimension `d` over all waves: the organisation's line and one line per
/// unit in `units` (each covering its subtree), with 95 % intervals. With
/// more units than the palette has colours, the lines tangle: then every
/// unit is a thin grey context line and only `highlight` (if it is among
/// them) is drawn in colour with its intervals. The legend sits beside the
/// plot, never over the latest points.
pub fn trend_chart(
    dash: &Dashboard,
    d: usize,
    units: &[usize],
    highlight: Option<usize>,
    text: &ChartText,
) -> String {
    let waves: Vec<String> = dash.waves.iter().map(|w| w.name.clone()).collect();
    let units = &units[..units.len().min(MAX_TREND_LINES)];
    let org = series(waves.len(), |w| dash.organisation[w][d]);
    let lines: Vec<Vec<Point>> = units
        .iter()
        .map(|&u| series(waves.len(), |w| dash.figures[w][d][u]))
        .collect();
    let context = units.len() > PALETTE.len();
    let mut svg = String::new();
    let result: Drawn = (|| {
        let root = SVGBackend::with_string(&mut svg, (720, 400)).into_drawing_area();
        root.fill(&WHITE)?;
        let (plot, side) = root.split_horizontally(500);
        // The scale's whole range, as the profile and the heatmap have it: the
        // same distance is the same difference on every chart.
        let (lo, hi) = (dash.scale[0] as f64, dash.scale[1] as f64);
        let mut chart = wave_chart(
            &plot,
            text.title.to_owned(),
            &waves,
            (lo, hi),
            text.x.to_owned(),
            text.y.to_owned(),
        )?;
        let mut legend: Vec<Entry> = Vec::new();
        let spread = 0.25 / (lines.len().max(1) as f64);
        for (i, (&u, points)) in units.iter().zip(&lines).enumerate() {
            let grey = context && highlight != Some(u);
            if grey {
                chart.draw_series(LineSeries::new(
                    points.iter().map(|p| (p.0, p.1)),
                    CONTEXT.stroke_width(1),
                ))?;
                continue;
            }
            let (colour, shape) = if context {
                (PALETTE[0], 0)
            } else {
                (PALETTE[i % PALETTE.len()], i)
            };
            let offset = if context {
                0.0
            } else {
                (i as f64 - lines.len() as f64 / 2.0) * spread
            };
            let shifted: Vec<Point> = points.iter().map(|p| (p.0 + offset, p.1, p.2)).collect();
            chart.draw_series(LineSeries::new(
                shifted.iter().map(|p| (p.0, p.1)),
                colour.stroke_width(if context { 3 } else { 2 }),
            ))?;
            chart.draw_series(shifted.iter().map(|p| {
                ErrorBar::new_vertical(p.0, p.2[0], p.1, p.2[1], colour.stroke_width(1), 6)
            }))?;
            // Markers differ by shape as well as by colour.
            markers(
                &mut chart,
                shape,
                colour,
                4,
                shifted.iter().map(|p| (p.0, p.1)),
            )?;
            legend.push(Entry {
                name: dash.units[u].name.clone(),
                detail: String::new(),
                colour,
                width: 2,
                shape: Some(shape),
            });
        }
        if context {
            legend.push(Entry {
                name: text.others.to_owned(),
                detail: String::new(),
                colour: CONTEXT,
                width: 1,
                shape: None,
            });
        }
        chart.draw_series(LineSeries::new(
            org.iter().map(|p| (p.0, p.1)),
            INK.stroke_width(3),
        ))?;
        chart
            .draw_series(org.iter().map(|p| {
                ErrorBar::new_vertical(p.0, p.2[0], p.1, p.2[1], INK.stroke_width(2), 10)
            }))?;
        legend.push(Entry {
            name: text.organisation.to_owned(),
            detail: String::new(),
            colour: INK,
            width: 3,
            shape: None,
        });
        side_legend(&side, &legend)?;
        root.present()?;
        Ok(())
    })();
    drawn(result);
    accessible(svg, text.id, text.title, text.description)
}

/// A point of a trend: the wave's position, the mean and its 95 % interval.
type Point = (f64, f64, [f64; 2]);

/// The published figures over `waves` waves as points (hidden ones left out).
fn series(waves: usize, figure: impl Fn(usize) -> Figure) -> Vec<Point> {
    (0..waves)
        .filter_map(|w| {
            let f = figure(w);
            let m = f.mean?;
            Some((w as f64, m, f.ci95.unwrap_or([m, m])))
        })
        .collect()
}

/// The grey of context lines (drawn thin, behind the highlighted one).
const CONTEXT: RGBColor = RGBColor(0xA8, 0xA8, 0xA8);

/// One line of a legend beside a plot.
struct Entry {
    name: String,
    detail: String,
    colour: RGBColor,
    width: u32,
    /// The marker's shape (see [`markers`]); none: a line only.
    shape: Option<usize>,
}

/// A legend in its own area beside the plot: each entry's line sample and
/// marker, its name at 13 px and its detail under it at 12 px.
fn side_legend(side: &DrawingArea<SVGBackend, plotters::coord::Shift>, entries: &[Entry]) -> Drawn {
    let font = (FONT, 13).into_font().color(&INK);
    let small = (FONT, 12).into_font().color(&INK);
    let step = if entries.iter().any(|e| !e.detail.is_empty()) {
        46
    } else {
        26
    };
    for (k, e) in entries.iter().enumerate() {
        let y = 40 + step * k as i32;
        side.draw(&PathElement::new(
            vec![(8, y), (34, y)],
            e.colour.stroke_width(e.width),
        ))?;
        match e.shape.map(|s| s % 3) {
            Some(0) => side.draw(&Circle::new((21, y), 5, e.colour.filled()))?,
            Some(1) => side.draw(&TriangleMarker::new((21, y), 6, e.colour.filled()))?,
            Some(_) => side.draw(&Cross::new((21, y), 5, e.colour.stroke_width(2)))?,
            None => {}
        }
        side.draw(&Text::new(truncate(&e.name, 24), (42, y - 8), font.clone()))?;
        if !e.detail.is_empty() {
            side.draw(&Text::new(e.detail.clone(), (42, y + 8), small.clone()))?;
        }
    }
    Ok(())
}

/// Series `i`'s markers at `points`: a circle, a triangle or a cross in turn,
/// so that series differ by shape as well as by colour.
fn markers(
    chart: &mut super::WaveChart,
    i: usize,
    colour: RGBColor,
    size: i32,
    points: impl Iterator<Item = (f64, f64)>,
) -> Drawn {
    match i % 3 {
        0 => chart.draw_series(points.map(|p| Circle::new(p, size, colour.filled())))?,
        1 => {
            chart.draw_series(points.map(|p| TriangleMarker::new(p, size + 1, colour.filled())))?
        }
        _ => chart.draw_series(points.map(|p| Cross::new(p, size, colour.stroke_width(2))))?,
    };
    Ok(())
}

/// Dimension `d` over all waves for the study's groups (pilot and control,
/// or the roll-out's cohorts), with 95 % intervals; each group that adopted
/// has a dashed vertical line in its colour between its last wave before
/// and its first wave after adoption. The legend sits beside the plot, each
/// group's name over `details[g]` (its units, its adoption).
pub fn group_trend_chart(
    dash: &Dashboard,
    d: usize,
    text: &ChartText,
    details: &[String],
) -> String {
    let waves: Vec<String> = dash.waves.iter().map(|w| w.name.clone()).collect();
    let lines: Vec<Vec<Point>> = (0..dash.groups.len())
        .map(|g| series(waves.len(), |w| dash.group_figures[w][d][g]))
        .collect();
    let mut svg = String::new();
    let result: Drawn = (|| {
        let root = SVGBackend::with_string(&mut svg, (720, 400)).into_drawing_area();
        root.fill(&WHITE)?;
        let (plot, side) = root.split_horizontally(500);
        let (lo, hi) = (dash.scale[0] as f64, dash.scale[1] as f64);
        let mut chart = wave_chart(
            &plot,
            text.title.to_owned(),
            &waves,
            (lo, hi),
            text.x.to_owned(),
            text.y.to_owned(),
        )?;
        let spread = 0.2 / (lines.len().max(1) as f64);
        for (g, points) in lines.iter().enumerate() {
            let colour = PALETTE[g % PALETTE.len()];
            let offset = (g as f64 - lines.len() as f64 / 2.0) * spread;
            if let Some(at) = dash.groups[g]
                .adopted_at
                .as_ref()
                .and_then(|w| waves.iter().position(|x| x == w))
            {
                let x = at as f64 - 0.5;
                chart.draw_series(DashedLineSeries::new(
                    [(x, lo), (x, hi)],
                    5,
                    4,
                    colour.stroke_width(2),
                ))?;
            }
            let shifted: Vec<Point> = points.iter().map(|p| (p.0 + offset, p.1, p.2)).collect();
            chart.draw_series(LineSeries::new(
                shifted.iter().map(|p| (p.0, p.1)),
                colour.stroke_width(3),
            ))?;
            chart.draw_series(shifted.iter().map(|p| {
                ErrorBar::new_vertical(p.0, p.2[0], p.1, p.2[1], colour.stroke_width(1), 8)
            }))?;
            markers(&mut chart, g, colour, 5, shifted.iter().map(|p| (p.0, p.1)))?;
        }
        // The legend beside the plot: each group's line and marker, its name, and its adoption.
        let entries: Vec<Entry> = dash
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| Entry {
                name: group.name.clone(),
                detail: details.get(g).cloned().unwrap_or_default(),
                colour: PALETTE[g % PALETTE.len()],
                width: 3,
                shape: Some(g),
            })
            .collect();
        side_legend(&side, &entries)?;
        root.present()?;
        Ok(())
    })();
    drawn(result);
    accessible(svg, text.id, text.title, text.description)
}

/// The heatmap's words in the reader's language.
pub struct HeatWords<'a> {
    pub lower_is_better: &'a str,
    pub worse: &'a str,
    pub better: &'a str,
    pub no_change: &'a str,
    /// "Colour: change since the previous wave".
    pub legend: &'a str,
    /// Figures with decimal commas (Swedish).
    pub decimal_comma: bool,
}

/// Changes of this many scale points or more get the fullest colour.
const SATURATED_CHANGE: f64 = 0.4;

/// Wave `w`: one row per unit in `units`, one column per dimension. A cell's
/// colour is its change since the previous wave, diverging around no change
/// and direction-aware (blue better, orange worse, so that falling conflicts
/// read as better); its text the mean and the change with an arrow. Hidden
/// cells are grey with a dash, cells without a previous wave white. The
/// fills stay light, so the ink text keeps a contrast above 6:1.
pub fn heatmap_chart(
    dash: &Dashboard,
    w: usize,
    units: &[usize],
    text: &ChartText,
    words: &HeatWords,
) -> String {
    let dims = dash.dimensions.len();
    let (row_h, col_w, label_w, head_h) = (28u32, 112u32, 200u32, 76u32);
    let legend_h = 64u32;
    let width = (label_w + col_w * dims as u32 + 16).max(560);
    let height = head_h + row_h * units.len().max(1) as u32 + legend_h;
    let mut svg = String::new();
    let result: Drawn = (|| {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let ink = |size: u32| (FONT, size).into_font().color(&INK);
        root.draw(&Text::new(text.title.to_owned(), (8, 8), ink(16)))?;
        for (d, dim) in dash.dimensions.iter().enumerate() {
            let x = (label_w + col_w * d as u32) as i32;
            let mut lines = wrap(&dim.name, 15);
            lines.truncate(2);
            if dim.lower_is_better {
                lines.push(format!("({})", words.lower_is_better));
            }
            for (k, line) in lines.iter().enumerate() {
                root.draw(&Text::new(
                    line.clone(),
                    (x + 4, 30 + 14 * k as i32),
                    ink(12),
                ))?;
            }
        }
        for (r, &u) in units.iter().enumerate() {
            let y = (head_h + row_h * r as u32) as i32;
            let name = truncate(&dash.units[u].name, 28);
            root.draw(&Text::new(name, (8, y + 8), ink(13)))?;
            for (d, dim) in dash.dimensions.iter().enumerate() {
                let x = (label_w + col_w * d as u32) as i32;
                let cell = [(x, y), (x + col_w as i32 - 2, y + row_h as i32 - 2)];
                let f = dash.figures[w][d][u];
                let Some(m) = f.mean else {
                    root.draw(&Rectangle::new(cell, RGBColor(0xEE, 0xEE, 0xEE).filled()))?;
                    root.draw(&Text::new("–", (x + 6, y + 7), ink(13)))?;
                    continue;
                };
                let change = dash.change(w, d, u);
                let fill = change.map_or(WHITE, |c| {
                    diverging(if dim.lower_is_better { -c } else { c } / SATURATED_CHANGE)
                });
                root.draw(&Rectangle::new(cell, fill.filled()))?;
                root.draw(&Rectangle::new(cell, RGBColor(0xBB, 0xBB, 0xBB)))?;
                let label = match change {
                    Some(c) => format!("{m:.2} {}", arrow(c)),
                    None => format!("{m:.2}"),
                };
                let label = if words.decimal_comma {
                    label.replace('.', ",")
                } else {
                    label
                };
                root.draw(&Text::new(label, (x + 6, y + 7), ink(13)))?;
            }
        }
        // The legend: the colour scale from worse to better.
        let y = (head_h + row_h * units.len().max(1) as u32 + 12) as i32;
        root.draw(&Text::new(words.legend.to_owned(), (8, y), ink(12)))?;
        let steps = [-1.0, -0.66, -0.33, 0.0, 0.33, 0.66, 1.0];
        let (x0, sw) = (8i32, 44i32);
        for (k, t) in steps.iter().enumerate() {
            let x = x0 + sw * k as i32;
            let cell = [(x, y + 18), (x + sw - 2, y + 34)];
            root.draw(&Rectangle::new(cell, diverging(*t).filled()))?;
            root.draw(&Rectangle::new(cell, RGBColor(0xBB, 0xBB, 0xBB)))?;
        }
        let right = x0 + sw * steps.len() as i32;
        root.draw(&Text::new(words.worse.to_owned(), (x0, y + 38), ink(12)))?;
        root.draw(&Text::new(
            words.no_change.to_owned(),
            (x0 + sw * 3 - 4, y + 38),
            ink(12),
        ))?;
        root.draw(&Text::new(
            words.better.to_owned(),
            (right - 8 * words.better.chars().count() as i32, y + 38),
            ink(12),
        ))?;
        root.present()?;
        Ok(())
    })();
    drawn(result);
    accessible(svg, text.id, text.title, text.description)
}

/// The change as an arrow and its size: "↑0.14", "↓0.05", "±0.00".
pub fn arrow(change: f64) -> String {
    let rounded = (change * 100.0).round() / 100.0;
    if rounded > 0.0 {
        format!("↑{rounded:.2}")
    } else if rounded < 0.0 {
        format!("↓{:.2}", -rounded)
    } else {
        "±0.00".to_owned()
    }
}

/// A light diverging colour for `t` in −1 (worse: orange) … 0 (white) … 1
/// (better: blue), at most 45 % of the full colour.
fn diverging(t: f64) -> RGBColor {
    let t = t.clamp(-1.0, 1.0);
    let full = if t >= 0.0 {
        (0x21, 0x66, 0xAC)
    } else {
        (0xB3, 0x58, 0x06)
    };
    let k = 0.45 * t.abs();
    let mix = |c: u8| (255.0 + (c as f64 - 255.0) * k).round() as u8;
    RGBColor(mix(full.0), mix(full.1), mix(full.2))
}

/// Unit `u` in wave `w` on every dimension, with 95 % intervals, beside the
/// organisation's means.
pub fn profile_chart(dash: &Dashboard, w: usize, u: usize, text: &ChartText) -> String {
    profile(
        &Profile {
            scale: dash.scale,
            dimensions: dash.dimensions.iter().map(|d| d.name.clone()).collect(),
            unit_name: dash.units[u].name.clone(),
            unit: (0..dash.dimensions.len())
                .map(|d| dash.figures[w][d][u])
                .collect(),
            organisation: dash.organisation[w].clone(),
        },
        text,
    )
}

/// A unit's means on every dimension beside the organisation's.
pub struct Profile {
    pub scale: [i32; 2],
    pub dimensions: Vec<String>,
    pub unit_name: String,
    pub unit: Vec<Figure>,
    pub organisation: Vec<Figure>,
}

/// The profile chart: each dimension a row, the unit's mean with its 95 %
/// interval, the organisation's mean as a triangle.
pub fn profile(p: &Profile, text: &ChartText) -> String {
    let dims = p.dimensions.len();
    let mut svg = String::new();
    let result: Drawn = (|| {
        let height = 90 + 34 * dims as u32;
        let root = SVGBackend::with_string(&mut svg, (720, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (lo, hi) = (p.scale[0] as f64, p.scale[1] as f64);
        let names: Vec<String> = p.dimensions.iter().map(|d| truncate(d, 28)).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(text.title, (FONT, 16).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(190)
            .build_cartesian_2d(lo..hi, -0.5f64..(dims as f64 - 0.5))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .y_labels(dims)
            .y_label_formatter(&|y| {
                let i = y.round();
                if (y - i).abs() < 1e-6 && i >= 0.0 {
                    names
                        .get(dims - 1 - i as usize)
                        .cloned()
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc(text.x.to_owned())
            .axis_desc_style((FONT, 13).into_font().color(&INK))
            .label_style((FONT, 12).into_font().color(&INK))
            .draw()?;
        let row = |d: usize| (dims - 1 - d) as f64;
        let unit: Vec<(f64, f64, [f64; 2])> = (0..dims)
            .filter_map(|d| {
                let f = p.unit[d];
                let m = f.mean?;
                Some((row(d) + 0.12, m, f.ci95.unwrap_or([m, m])))
            })
            .collect();
        let colour = PALETTE[0];
        chart.draw_series(unit.iter().map(|p| {
            ErrorBar::new_horizontal(p.0, p.2[0], p.1, p.2[1], colour.stroke_width(2), 6)
        }))?;
        chart
            .draw_series(
                unit.iter()
                    .map(|p| Circle::new((p.1, p.0), 5, colour.filled())),
            )?
            .label(p.unit_name.clone())
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, colour.filled()));
        let org: Vec<(f64, f64)> = (0..dims)
            .filter_map(|d| Some((p.organisation[d].mean?, row(d) - 0.12)))
            .collect();
        chart
            .draw_series(org.iter().map(|&p| TriangleMarker::new(p, 6, INK.filled())))?
            .label(text.organisation.to_owned())
            .legend(|(x, y)| TriangleMarker::new((x + 8, y), 6, INK.filled()));
        legend(&mut chart, SeriesLabelPosition::LowerRight, 12)?;
        root.present()?;
        Ok(())
    })();
    drawn(result);
    accessible(svg, text.id, text.title, text.description)
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(chars - 1).collect();
        format!("{cut}…")
    }
}

/// Splits at spaces into lines of about `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(l) if l.chars().count() + 1 + word.chars().count() <= width => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::{DimensionRef, Node, WaveRef};

    fn figure(mean: f64) -> Figure {
        Figure {
            n: Some(20),
            mean: Some(mean),
            ci95: Some([mean - 0.2, mean + 0.2]),
            suppressed: false,
        }
    }

    /// Eight units tangle: all grey context lines, the chosen one in colour,
    /// and the legend beside the plot says which is which.
    #[test]
    fn many_units_are_grey_context_around_the_highlighted_one() {
        let units: Vec<Node> = (0..8)
            .map(|i| Node {
                code: format!("u{i}"),
                name: format!("Unit {i}"),
                parent: None,
            })
            .collect();
        let dash = Dashboard {
            survey: "s".into(),
            scale: [0, 3],
            dimensions: vec![DimensionRef {
                id: "d".into(),
                name: "d".into(),
                lower_is_better: false,
            }],
            waves: ["w1", "w2"]
                .iter()
                .map(|w| WaveRef {
                    name: (*w).into(),
                    min_group: 5,
                    open: false,
                    closes_on: None,
                })
                .collect(),
            organisation: vec![vec![figure(1.5)]; 2],
            figures: (0..2)
                .map(|w| vec![(0..8).map(|u| figure(1.0 + 0.1 * (u + w) as f64)).collect()])
                .collect(),
            units,
            organisation_rates: Vec::new(),
            rates: Vec::new(),
            groups: Vec::new(),
            group_figures: Vec::new(),
            notes: Vec::new(),
        };
        let text = ChartText {
            id: "t",
            title: "Trend",
            description: "Trend",
            x: "Wave",
            y: "Mean",
            organisation: "Organisation",
            others: "Other units",
        };
        let all: Vec<usize> = (0..8).collect();
        let svg = trend_chart(&dash, 0, &all, Some(3), &text);
        let grey = format!("#{:02X}{:02X}{:02X}", CONTEXT.0, CONTEXT.1, CONTEXT.2);
        let blue = format!(
            "#{:02X}{:02X}{:02X}",
            PALETTE[0].0, PALETTE[0].1, PALETTE[0].2
        );
        let upper = svg.to_uppercase();
        // Seven grey lines and the legend's grey sample; no second colour.
        assert_eq!(upper.matches(&grey).count(), 8, "{svg}");
        assert!(upper.contains(&blue));
        let second = PALETTE[1];
        assert!(!upper.contains(&format!(
            "#{:02X}{:02X}{:02X}",
            second.0, second.1, second.2
        )));
        assert!(svg.contains("Unit 3") && svg.contains("Other units") && !svg.contains("Unit 4"));
        // Few units: each in its own colour, no context entry.
        let svg = trend_chart(&dash, 0, &all[..3], None, &text);
        assert!(svg.contains("Unit 0") && svg.contains("Unit 2") && !svg.contains("Other units"));
    }

    /// The same rise colours an ordinary dimension blue (better) and a
    /// lower-is-better one orange (worse); the label carries the arrow.
    #[test]
    fn the_heatmap_colours_change_by_direction() {
        let dims = [("support", false), ("conflicts", true)];
        let dash = Dashboard {
            survey: "s".into(),
            scale: [0, 3],
            dimensions: dims
                .iter()
                .map(|(id, lower)| DimensionRef {
                    id: (*id).into(),
                    name: (*id).into(),
                    lower_is_better: *lower,
                })
                .collect(),
            waves: ["w1", "w2"]
                .iter()
                .map(|w| WaveRef {
                    name: (*w).into(),
                    min_group: 5,
                    open: false,
                    closes_on: None,
                })
                .collect(),
            units: vec![Node {
                code: "u".into(),
                name: "Unit".into(),
                parent: None,
            }],
            organisation: vec![vec![figure(1.0); 2]; 2],
            figures: vec![
                vec![vec![figure(1.0)], vec![figure(1.0)]],
                vec![vec![figure(1.3)], vec![figure(1.3)]],
            ],
            organisation_rates: Vec::new(),
            rates: Vec::new(),
            groups: Vec::new(),
            group_figures: Vec::new(),
            notes: Vec::new(),
        };
        let words = HeatWords {
            lower_is_better: "lower is better",
            worse: "worse",
            better: "better",
            no_change: "no change",
            legend: "Colour: change",
            decimal_comma: false,
        };
        let text = ChartText {
            id: "h",
            title: "Heatmap",
            description: "Heatmap",
            x: "",
            y: "",
            organisation: "",
            others: "",
        };
        let svg = heatmap_chart(&dash, 1, &[0], &text, &words);
        let hex = |c: RGBColor| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
        let (blue, orange) = (hex(diverging(0.75)), hex(diverging(-0.75)));
        assert!(
            svg.to_uppercase().contains(&blue) && svg.to_uppercase().contains(&orange),
            "{blue} and {orange} in {svg}"
        );
        let upper = svg.to_uppercase();
        assert!(
            upper.find(&blue) < upper.find(&orange),
            "the first column (support) blue, the second (conflicts) orange"
        );
        assert!(svg.contains("1.30 ↑0.30"), "{svg}");
        assert!(svg.contains("(lower is better)"), "{svg}");
        assert_eq!(arrow(-0.001), "±0.00", "no \"-0.00\"");
        assert_eq!(arrow(-0.05), "↓0.05");
    }
}
