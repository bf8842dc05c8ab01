//! The charts of the effect report.

use plotters::prelude::*;

use super::{Drawn, FONT, INK, PALETTE, accessible, drawn, legend, padded_range, wave_chart};
use crate::evaluation::report::{Arm, DimensionEffect, EffectReport};

/// Pilot and control means over the waves with 95 % intervals; the
/// intervention is marked between the last pre wave and the first post wave.
pub fn means_chart(report: &EffectReport, d: &DimensionEffect, scale: (i32, i32)) -> String {
    let waves = &report.design.design.waves;
    let post = report.design.design.post_from;
    let mut svg = String::new();
    let result: Drawn = (|| {
        let root = SVGBackend::with_string(&mut svg, (640, 360)).into_drawing_area();
        root.fill(&WHITE)?;
        let values = d
            .cells
            .iter()
            .flat_map(|c| [c.mean, c.ci95.map(|c| c[0]), c.ci95.map(|c| c[1])])
            .flatten();
        let (lo, hi) = padded_range(values);
        let (lo, hi) = (lo.max(scale.0 as f64), hi.min(scale.1 as f64));
        let mut chart = wave_chart(
            &root,
            format!("{}: mean score by wave", d.name),
            waves,
            (lo, hi),
            "Wave".into(),
            format!("Mean score ({}–{})", scale.0, scale.1),
        )?;
        let x_line = post as f64 - 0.5;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(x_line, lo), (x_line, hi)],
                6,
                4,
                INK.stroke_width(1),
            ))?
            .label("intervention")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], INK));
        for (i, arm) in [Arm::Pilot, Arm::Control].into_iter().enumerate() {
            let colour = PALETTE[i];
            let offset = if i == 0 { -0.06 } else { 0.06 };
            let points: Vec<(f64, f64, [f64; 2])> = d
                .cells
                .iter()
                .filter(|c| c.arm == arm)
                .enumerate()
                .filter_map(|(t, c)| {
                    Some((t as f64 + offset, c.mean?, c.ci95.unwrap_or([c.mean?; 2])))
                })
                .collect();
            let label = if arm == Arm::Pilot {
                "pilot units"
            } else {
                "control units"
            };
            let style = colour.stroke_width(2);
            if arm == Arm::Pilot {
                chart.draw_series(LineSeries::new(points.iter().map(|p| (p.0, p.1)), style))?
            } else {
                chart.draw_series(DashedLineSeries::new(
                    points.iter().map(|p| (p.0, p.1)),
                    8,
                    4,
                    style,
                ))?
            }
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
            chart.draw_series(points.iter().map(|p| {
                ErrorBar::new_vertical(p.0, p.2[0], p.1, p.2[1], colour.stroke_width(1), 8)
            }))?;
            if arm == Arm::Pilot {
                chart.draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new((p.0, p.1), 4, colour.filled())),
                )?;
            } else {
                chart.draw_series(
                    points
                        .iter()
                        .map(|p| TriangleMarker::new((p.0, p.1), 5, colour.filled())),
                )?;
            }
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight, 12)?;
        root.present()?;
        Ok(())
    })();
    drawn(result);
    let description: Vec<String> = d
        .cells
        .iter()
        .map(|c| match c.mean {
            Some(m) => format!("{} {}: {m:.2}", arm_label(c.arm), c.wave),
            None => format!("{} {}: suppressed", arm_label(c.arm), c.wave),
        })
        .collect();
    accessible(
        svg,
        &format!("means-{}", d.id),
        &format!("{}: pilot and control means by wave", d.name),
        &format!(
            "Mean scores with 95 % intervals; the intervention falls before wave {}. {}.",
            report.design.design.first_post_wave,
            description.join("; ")
        ),
    )
}

fn arm_label(arm: Arm) -> &'static str {
    match arm {
        Arm::Pilot => "pilot",
        Arm::Control => "control",
    }
}

/// The standardised effect (Hedges' g) of every dimension with its 95 % interval.
pub fn forest_chart(report: &EffectReport) -> String {
    let rows: Vec<(&str, f64, [f64; 2])> = report
        .dimensions
        .iter()
        .filter_map(|d| {
            d.effect_size
                .as_ref()
                .map(|e| (d.name.as_str(), e.g, e.ci95))
        })
        .collect();
    let height = 90 + 30 * rows.len().max(1) as u32;
    let mut svg = String::new();
    let result: Drawn = (|| {
        let root = SVGBackend::with_string(&mut svg, (640, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (lo, hi) = padded_range(rows.iter().flat_map(|r| [r.2[0], r.2[1], 0.0]));
        let n = rows.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Standardised effects (Hedges' g) with 95 % intervals",
                (FONT, 18).into_font().color(&INK),
            )
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(190)
            .build_cartesian_2d(lo..hi, -0.5f64..(n - 0.5))?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .disable_y_mesh()
            .y_labels(rows.len().max(1))
            .y_label_formatter(&|y| {
                let i = y.round();
                if (y - i).abs() < 1e-6 && i >= 0.0 {
                    rows.get(rows.len().saturating_sub(1 + i as usize))
                        .map(|r| r.0.to_owned())
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc("Effect in pre-period standard deviations (0 = no effect)")
            .axis_desc_style((FONT, 14).into_font().color(&INK))
            .label_style((FONT, 12).into_font().color(&INK))
            .draw()?;
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, -0.5), (0.0, n - 0.5)],
            6,
            4,
            INK.stroke_width(1),
        ))?;
        let y_of = |i: usize| (rows.len() - 1 - i) as f64;
        chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
            ErrorBar::new_horizontal(y_of(i), r.2[0], r.1, r.2[1], PALETTE[0].stroke_width(2), 10)
        }))?;
        chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
            Rectangle::new(
                [
                    (r.1 - (hi - lo) * 0.006, y_of(i) - 0.12),
                    (r.1 + (hi - lo) * 0.006, y_of(i) + 0.12),
                ],
                PALETTE[0].filled(),
            )
        }))?;
        root.present()?;
        Ok(())
    })();
    drawn(result);
    let description: Vec<String> = rows
        .iter()
        .map(|r| format!("{}: g = {:.2} [{:.2}, {:.2}]", r.0, r.1, r.2[0], r.2[1]))
        .collect();
    accessible(
        svg,
        "forest",
        "Standardised effects of all dimensions",
        &format!(
            "Hedges' g per dimension with 95 % intervals; 0 means no effect. {}.",
            description.join("; ")
        ),
    )
}

/// The event-study coefficients with 95 % intervals, the reference wave at 0.
pub fn event_study_chart(report: &EffectReport, d: &DimensionEffect) -> Option<String> {
    let es = d.event_study.as_ref()?;
    let waves = &report.design.design.waves;
    let post = report.design.design.post_from;
    let mut svg = String::new();
    let result: Drawn = (|| {
        let root = SVGBackend::with_string(&mut svg, (640, 340)).into_drawing_area();
        root.fill(&WHITE)?;
        let (lo, hi) = padded_range(es.coefficients.iter().flat_map(|c| {
            let ci = c.ci95.unwrap_or([c.estimate; 2]);
            [c.estimate, ci[0], ci[1], 0.0]
        }));
        let mut chart = wave_chart(
            &root,
            format!("{}: event study", d.name),
            waves,
            (lo, hi),
            format!("Wave (reference: {})", es.reference_wave),
            "Pilot − control, relative to reference".into(),
        )?;
        let right = waves.len() as f64 - 0.5;
        chart.draw_series(LineSeries::new(
            vec![(-0.5, 0.0), (right, 0.0)],
            INK.stroke_width(1),
        ))?;
        let x_line = post as f64 - 0.5;
        chart.draw_series(DashedLineSeries::new(
            vec![(x_line, lo), (x_line, hi)],
            6,
            4,
            INK.stroke_width(1),
        ))?;
        chart.draw_series(es.coefficients.iter().enumerate().filter_map(|(t, c)| {
            let ci = c.ci95?;
            Some(ErrorBar::new_vertical(
                t as f64,
                ci[0],
                c.estimate,
                ci[1],
                PALETTE[0].stroke_width(2),
                10,
            ))
        }))?;
        chart.draw_series(es.coefficients.iter().enumerate().map(|(t, c)| {
            Circle::new(
                (t as f64, c.estimate),
                4,
                if c.reference {
                    INK.filled()
                } else {
                    PALETTE[0].filled()
                },
            )
        }))?;
        root.present()?;
        Ok(())
    })();
    drawn(result);
    let description: Vec<String> = es
        .coefficients
        .iter()
        .map(|c| match c.ci95 {
            Some(ci) => format!("{}: {:.2} [{:.2}, {:.2}]", c.wave, c.estimate, ci[0], ci[1]),
            None => format!("{}: 0 (reference)", c.wave),
        })
        .collect();
    Some(accessible(
        svg,
        &format!("event-{}", d.id),
        &format!("{}: event study", d.name),
        &format!(
            "Difference between pilot and control in each wave relative to {}, with 95 % intervals. {}.",
            es.reference_wave,
            description.join("; ")
        ),
    ))
}
