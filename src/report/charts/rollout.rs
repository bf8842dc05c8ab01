//! The roll-out report's charts: the event study by waves since adoption
//! (Callaway & Sant'Anna with pointwise intervals and the uniform band, Sun
//! & Abraham beside it) and the Bacon decomposition of the TWFE estimate.

use plotters::prelude::*;

use super::{Drawn, FONT, INK, PALETTE, accessible, drawn, legend, padded_range};
use crate::evaluation::rollout::report::DimensionRollout;
use crate::stats::staggered::bacon::Comparison;

/// A light fill for the uniform band (the band is drawn behind the intervals).
const BAND: RGBColor = RGBColor(0xC6, 0xDB, 0xEF);

pub fn event_time_chart(d: &DimensionRollout, sv: bool) -> Option<String> {
    if d.event_study.is_empty() {
        return None;
    }
    let w = |en: &'static str, s: &'static str| if sv { s } else { en };
    let (first, last) = (
        d.event_study[0].event_time,
        d.event_study.last()?.event_time,
    );
    let sa = d
        .sun_abraham
        .as_ref()
        .map(|s| s.event_study.as_slice())
        .unwrap_or(&[]);
    let (lo, hi) = padded_range(
        d.event_study
            .iter()
            .flat_map(|e| {
                let ci = e.estimate.ci95.unwrap_or([e.estimate.estimate; 2]);
                let band = e.band95.unwrap_or(ci);
                [e.estimate.estimate, ci[0], ci[1], band[0], band[1], 0.0]
            })
            .chain(sa.iter().flat_map(|e| e.estimate.ci95.unwrap_or([0.0; 2]))),
    );
    let title = format!(
        "{}: {}",
        d.name,
        w(
            "effect by waves since adoption",
            "effekt efter mätomgångar sedan start"
        )
    );
    let mut svg = String::new();
    let result: Drawn = (|| {
        let root = SVGBackend::with_string(&mut svg, (680, 360)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, (FONT, 18).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d((first as f64 - 0.5)..(last as f64 + 0.5), lo..hi)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .disable_x_mesh()
            .x_labels((last - first + 1) as usize)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 {
                    format!("{i:.0}")
                } else {
                    String::new()
                }
            })
            .x_desc(w(
                "Waves since adoption (−1: the last wave before, the reference)",
                "Mätomgångar sedan start (−1: den sista före, referens)",
            ))
            .y_desc(w("Effect (score points)", "Effekt (poäng)"))
            .axis_desc_style((FONT, 14).into_font().color(&INK))
            .label_style((FONT, 12).into_font().color(&INK))
            .draw()?;
        chart.draw_series(d.event_study.iter().filter_map(|e| {
            let [a, b] = e.band95?;
            let x = e.event_time as f64;
            Some(Rectangle::new(
                [(x - 0.22, a), (x + 0.22, b)],
                BAND.filled(),
            ))
        }))?;
        chart.draw_series(LineSeries::new(
            vec![(first as f64 - 0.5, 0.0), (last as f64 + 0.5, 0.0)],
            INK.stroke_width(1),
        ))?;
        chart.draw_series(DashedLineSeries::new(
            vec![(-0.5, lo), (-0.5, hi)],
            6,
            4,
            INK.stroke_width(1),
        ))?;
        chart
            .draw_series(d.event_study.iter().filter_map(|e| {
                let [a, b] = e.estimate.ci95?;
                Some(ErrorBar::new_vertical(
                    e.event_time as f64 - 0.08,
                    a,
                    e.estimate.estimate,
                    b,
                    PALETTE[0].stroke_width(2),
                    8,
                ))
            }))?
            .label("Callaway & Sant'Anna")
            .legend(|(x, y)| Circle::new((x + 8, y), 4, PALETTE[0].filled()));
        chart.draw_series(d.event_study.iter().map(|e| {
            Circle::new(
                (e.event_time as f64 - 0.08, e.estimate.estimate),
                4,
                if e.reference {
                    INK.filled()
                } else {
                    PALETTE[0].filled()
                },
            )
        }))?;
        if !sa.is_empty() {
            chart.draw_series(sa.iter().filter_map(|e| {
                let [a, b] = e.estimate.ci95?;
                Some(ErrorBar::new_vertical(
                    e.event_time as f64 + 0.08,
                    a,
                    e.estimate.estimate,
                    b,
                    PALETTE[1].stroke_width(1),
                    6,
                ))
            }))?;
            chart
                .draw_series(sa.iter().map(|e| {
                    TriangleMarker::new(
                        (e.event_time as f64 + 0.08, e.estimate.estimate),
                        5,
                        PALETTE[1].filled(),
                    )
                }))?
                .label("Sun & Abraham")
                .legend(|(x, y)| TriangleMarker::new((x + 8, y), 5, PALETTE[1].filled()));
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft, 12)?;
        root.present()?;
        Ok(())
    })();
    drawn(result);
    let description: Vec<String> = d
        .event_study
        .iter()
        .map(|e| match (e.estimate.ci95, e.band95) {
            (Some(ci), Some(b)) => format!(
                "{}: {:.2} [{:.2}, {:.2}], {} [{:.2}, {:.2}]",
                e.event_time,
                e.estimate.estimate,
                ci[0],
                ci[1],
                w("band", "band"),
                b[0],
                b[1]
            ),
            _ => format!("{}: 0 ({})", e.event_time, w("reference", "referens")),
        })
        .collect();
    Some(accessible(
        svg,
        &format!("event-{}", d.id),
        &title,
        &format!(
            "{} {}.",
            w(
                "Effect in each wave since adoption, with 95 % pointwise intervals and the uniform band (shaded); Sun & Abraham's estimates as triangles.",
                "Effekt i varje mätomgång sedan start, med punktvisa 95 % intervall och det simultana bandet (skuggat); Sun & Abrahams skattningar som trianglar."
            ),
            description.join("; ")
        ),
    ))
}

/// The Bacon decomposition: each 2 × 2 comparison's estimate against its weight.
pub fn bacon_chart(d: &DimensionRollout, sv: bool) -> Option<String> {
    let b = d.bacon.as_ref()?;
    let w = |en: &'static str, s: &'static str| if sv { s } else { en };
    let (lo, hi) = padded_range(
        b.comparisons
            .iter()
            .map(|c| c.estimate)
            .chain([0.0, b.twfe_cell_means]),
    );
    let max_weight = b.comparisons.iter().map(|c| c.weight).fold(0.0, f64::max) * 1.15;
    let title = format!(
        "{}: {}",
        d.name,
        w(
            "what the TWFE estimate averages",
            "vad TWFE-skattningen är ett medel av"
        )
    );
    let kinds = [
        (
            Comparison::TreatedVsNever,
            w("against never-treated", "mot enheter utan insatsen"),
            0,
        ),
        (
            Comparison::EarlierVsLater,
            w(
                "earlier against not yet adopted",
                "tidigare mot ännu inte startade",
            ),
            2,
        ),
        (
            Comparison::LaterVsEarlier,
            w("later against already adopted", "senare mot redan startade"),
            1,
        ),
    ];
    let mut svg = String::new();
    let result: Drawn = (|| {
        let root = SVGBackend::with_string(&mut svg, (680, 340)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, (FONT, 18).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..max_weight, lo..hi)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc(w("Weight in the TWFE estimate", "Vikt i TWFE-skattningen"))
            .y_desc(w("2 × 2 estimate", "2 × 2-skattning"))
            .axis_desc_style((FONT, 14).into_font().color(&INK))
            .label_style((FONT, 12).into_font().color(&INK))
            .draw()?;
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, b.twfe_cell_means), (max_weight, b.twfe_cell_means)],
            6,
            4,
            INK.stroke_width(1),
        ))?;
        for (kind, label, colour) in kinds {
            let points: Vec<(f64, f64)> = b
                .comparisons
                .iter()
                .filter(|c| c.comparison == kind)
                .map(|c| (c.weight, c.estimate))
                .collect();
            if points.is_empty() {
                continue;
            }
            let c = PALETTE[colour];
            match kind {
                Comparison::LaterVsEarlier => chart
                    .draw_series(points.iter().map(|&p| Cross::new(p, 6, c.stroke_width(2))))?
                    .label(label)
                    .legend(move |(x, y)| Cross::new((x + 8, y), 5, c.stroke_width(2))),
                Comparison::EarlierVsLater => chart
                    .draw_series(
                        points
                            .iter()
                            .map(|&p| TriangleMarker::new(p, 6, c.filled())),
                    )?
                    .label(label)
                    .legend(move |(x, y)| TriangleMarker::new((x + 8, y), 5, c.filled())),
                Comparison::TreatedVsNever => chart
                    .draw_series(points.iter().map(|&p| Circle::new(p, 5, c.filled())))?
                    .label(label)
                    .legend(move |(x, y)| Circle::new((x + 8, y), 4, c.filled())),
            };
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, 12)?;
        root.present()?;
        Ok(())
    })();
    drawn(result);
    Some(accessible(
        svg,
        &format!("bacon-{}", d.id),
        &title,
        &format!(
            "{} {:.0} %. TWFE = {:.3}.",
            w(
                "Each 2 × 2 comparison the two-way fixed-effects estimate averages, by its weight; the dashed line is the TWFE estimate. Weight of comparisons against already-adopted units:",
                "Varje 2 × 2-jämförelse som skattningen med tvåvägs fixa effekter är ett medel av, efter dess vikt; den streckade linjen är TWFE-skattningen. Vikt för jämförelser mot redan startade enheter:"
            ),
            100.0 * b.forbidden_weight,
            b.twfe_cell_means
        ),
    ))
}
