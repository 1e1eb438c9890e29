//! The SVG charts BENCHMARKS.md and README lead with, drawn by the run that measures their
//! figures: token length against payload size for every format, and seal and open time against
//! payload size for every contender. Regenerating the figures regenerates the charts.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

/// One line of a chart: a contender's name and its points.
pub struct Series<P> {
    pub name: &'static str,
    pub points: Vec<P>,
}

/// `docs/charts/<file>` in the repository.
pub fn chart_path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/charts")
        .join(file)
}

/// Distinct colours, sealed-session first (drawn thicker).
const COLOURS: [RGBColor; 8] = [
    RGBColor(0, 0, 0),
    RGBColor(214, 39, 40),
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
];

fn style(name: &str, i: usize) -> ShapeStyle {
    let colour = COLOURS[i % COLOURS.len()];
    let width = if name == "sealed-session" { 3 } else { 1 };
    colour.stroke_width(width)
}

/// Token length in characters against payload size in bytes, one line per format.
pub fn token_length(
    path: &Path,
    series: &[Series<(usize, usize)>],
) -> Result<(), Box<dyn std::error::Error>> {
    let max_x = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .max()
        .unwrap_or(1);
    let max_y = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .max()
        .unwrap_or(1);
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Token length against payload size", ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0usize..max_x, 0usize..max_y + max_y / 20)?;
    chart
        .configure_mesh()
        .x_desc("payload (bytes of postcard; JSON formats carry the same session as JSON)")
        .y_desc("token length (characters)")
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let st = style(s.name, i);
        chart
            .draw_series(LineSeries::new(s.points.iter().copied(), st))?
            .label(s.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], st));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Seal and open time (ns per call, log scale) against payload size, one line per contender,
/// seal on the left and open on the right.
pub fn seal_open_time(
    path: &Path,
    build: &str,
    series: &[Series<(usize, f64, f64)>],
) -> Result<(), Box<dyn std::error::Error>> {
    let max_x = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .max()
        .unwrap_or(1);
    let all_ns = || {
        series
            .iter()
            .flat_map(|s| s.points.iter().flat_map(|p| [p.1, p.2]))
    };
    let lo = all_ns().fold(f64::INFINITY, f64::min).max(1.0) * 0.8;
    let hi = all_ns().fold(0.0, f64::max) * 1.25;
    let root = SVGBackend::new(path, (1200, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(
        &format!("Seal and open time against payload size ({build})"),
        ("sans-serif", 22),
    )?;
    let panels = root.split_evenly((1, 2));
    for (panel, (title, pick)) in panels.iter().zip([
        (
            "seal",
            (|p: &(usize, f64, f64)| p.1) as fn(&(usize, f64, f64)) -> f64,
        ),
        ("open", |p: &(usize, f64, f64)| p.2),
    ]) {
        let mut chart = ChartBuilder::on(panel)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0usize..max_x, (lo..hi).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("payload (bytes of postcard)")
            .y_desc("ns per call (log scale)")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        for (i, s) in series.iter().enumerate() {
            let st = style(s.name, i);
            let points: Vec<(usize, f64)> = s.points.iter().map(|p| (p.0, pick(p))).collect();
            chart
                .draw_series(LineSeries::new(points.iter().copied(), st))?
                .label(s.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], st));
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, st.filled())))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}
