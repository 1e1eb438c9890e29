//! The whole-request throughput chart (SVG, plotters): requests per second per app, one bar per
//! connection count.

use plotters::prelude::*;

use crate::Row;

const COLORS: [RGBColor; 3] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
];

pub fn throughput(rows: &[Row], conns: &[usize]) -> String {
    let mut apps: Vec<_> = Vec::new();
    for r in rows {
        if !apps.contains(&r.contender) {
            apps.push(r.contender);
        }
    }
    let top = rows.iter().map(|r| r.rps).fold(0.0, f64::max) * 1.3;
    let n = apps.len();
    let mut svg = String::new();
    {
        let height = 100 + 22 * (conns.len() as u32 + 1) * u32::try_from(n).unwrap_or(6);
        let root = SVGBackend::with_string(&mut svg, (900, height)).into_drawing_area();
        root.fill(&WHITE).expect("draw");
        // Rows of the y axis: per app one row per connection count, then a gap row; the first
        // app at the top. An app's label sits on the middle of its rows.
        let k = conns.len().max(1);
        let per = i32::try_from(k + 1).unwrap_or(3);
        let total = per * i32::try_from(n).unwrap_or(6);
        let row_of = |app: usize, bar: usize| -> i32 {
            let g = i32::try_from(n - 1 - app).unwrap_or(0);
            g * per + 1 + i32::try_from(k - 1 - bar).unwrap_or(0)
        };
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Whole request: requests per second (higher is better)",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(250)
            .build_cartesian_2d(0.0..top.max(1.0), 0..total)
            .expect("chart");
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(usize::try_from(total).unwrap_or(0) + 1)
            .y_label_formatter(&|y| {
                let g = y.div_euclid(per);
                let mid = g * per + 1 + i32::try_from(k).unwrap_or(1) / 2;
                let app = usize::try_from(i32::try_from(n).unwrap_or(0) - 1 - g).ok();
                match app {
                    Some(a) if *y == mid && a < n => apps[a].label().to_owned(),
                    _ => String::new(),
                }
            })
            .x_label_formatter(&|x| format!("{}k", (x / 1000.0).round()))
            .x_desc("requests/s")
            .label_style(("sans-serif", 14))
            .draw()
            .expect("mesh");
        for (bar, &c) in conns.iter().enumerate() {
            let color = COLORS[bar % COLORS.len()];
            let bars: Vec<_> = rows.iter().filter(|r| r.conns == c).collect();
            let app_of = |r: &Row| apps.iter().position(|a| *a == r.contender).unwrap_or(0);
            chart
                .draw_series(bars.iter().map(|r| {
                    let y = row_of(app_of(r), bar);
                    Rectangle::new([(0.0, y), (r.rps, y + 1)], color.filled())
                }))
                .expect("bars")
                .label(format!("{c} connections"))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled())
                });
            chart
                .draw_series(bars.iter().map(|r| {
                    let y = row_of(app_of(r), bar);
                    Text::new(
                        format!("{:.0} ({:.1} us CPU/request)", r.rps, r.cpu_us),
                        (r.rps + top * 0.01, y + 1),
                        ("sans-serif", 12),
                    )
                }))
                .expect("labels");
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .expect("legend");
        root.present().expect("present");
    }
    svg
}
