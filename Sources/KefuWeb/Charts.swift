import Foundation

/// Accessible SVG charts for reports and dashboards, drawn on the server: the template data for the `chart` partial
/// (`{{#chart}}{{> chart}}{{/chart}}`). Every chart has a title and a description (`<title>`/`<desc>`, referenced by
/// `aria-labelledby`) and the data table beside it, so the figures are readable without the picture. Every text
/// reaches the page through Mustache's escaping.
enum ChartView {
    /// One line of a line chart.
    struct Series {
        /// The legend's name.
        let name: String
        /// The points, x as a category label (a cycle, a week), in order.
        let points: [(x: String, y: Double)]
    }

    static let width = 640.0
    static let height = 280.0
    static let left = 56.0, right = 16.0, top = 16.0, bottom = 48.0

    /// A line chart over the categories of every series (in order of first appearance).
    static func line(
        title: String, description: String, xLabel: String, yLabel: String, series: [Series]
    ) -> [String: Any] {
        var categories: [String] = []
        for s in series { for p in s.points where !categories.contains(p.x) { categories.append(p.x) } }
        let values = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        let scale = Scale(values: values, from: top, to: height - bottom)
        let step = categories.count > 1 ? (width - left - right) / Double(categories.count - 1) : 0
        func x(_ category: String) -> Double {
            let index = Double(categories.firstIndex(of: category) ?? 0)
            return categories.count > 1 ? left + index * step : (left + width - right) / 2
        }
        let lines: [[String: Any]] = series.enumerated().map { index, s in
            let points = s.points.filter { $0.y.isFinite }
            return [
                "index": index % 6, "name": s.name,
                "points": points.map { "\(fmt(x($0.x))),\(fmt(scale.y($0.y)))" }.joined(separator: " "),
                "dots": points.map { p in
                    ["cx": fmt(x(p.x)), "cy": fmt(scale.y(p.y)), "label": "\(s.name) · \(p.x): \(number(p.y))"]
                },
            ]
        }
        let xTicks: [[String: Any]] = categories.map { ["x": fmt(x($0)), "y": fmt(height - bottom + 18), "label": $0] }
        let rows: [[String: Any]] = categories.map { category in
            [
                "label": category,
                "cells": series.map { s in s.points.first { $0.x == category }.map { number($0.y) } ?? "–" },
            ]
        }
        var data = frame(title: title, description: description, xLabel: xLabel, yLabel: yLabel, scale: scale)
        data["series"] = lines
        data["legend"] = lines.count > 1
        data["xTicks"] = xTicks
        data["table"] = ["columns": [xLabel] + series.map(\.name), "rows": rows]
        return data
    }

    /// A horizontal bar chart, one bar per label.
    static func bars(
        title: String, description: String, unit: String, bars: [(label: String, value: Double)]
    )
        -> [String: Any]
    {
        let labelWidth = 170.0
        let barHeight = 26.0
        let chartHeight = top + Double(max(bars.count, 1)) * barHeight + 8
        let maxValue = max(bars.map(\.value).filter(\.isFinite).max() ?? 0, 0)
        let span = width - labelWidth - right - 64
        let drawn: [[String: Any]] = bars.enumerated().map { index, bar in
            let value = bar.value.isFinite ? max(bar.value, 0) : 0
            let length = maxValue > 0 ? value / maxValue * span : 0
            let y = top + Double(index) * barHeight
            return [
                "x": fmt(labelWidth), "y": fmt(y + 3), "w": fmt(max(length, 1)), "h": fmt(barHeight - 8),
                "labelX": fmt(labelWidth - 8), "textY": fmt(y + barHeight / 2 + 4),
                "valueX": fmt(labelWidth + length + 6),
                "label": bar.label, "value": number(bar.value) + unit,
            ]
        }
        return [
            "id": identifier(title + description), "title": title, "description": description, "width": fmt(width),
            "height": fmt(chartHeight), "bars": drawn,
            "table": [
                "columns": ["", unit.trimmingCharacters(in: .whitespaces)],
                "rows": bars.map { ["label": $0.label, "cells": [number($0.value) + unit]] },
            ],
        ]
    }

    /// The axes and grid of a line chart.
    static func frame(
        title: String, description: String, xLabel: String, yLabel: String, scale: Scale
    )
        -> [String: Any]
    {
        let yTicks: [[String: Any]] = scale.ticks.map { value in
            let y = scale.y(value)
            return [
                "x1": fmt(left), "x2": fmt(width - right), "y": fmt(y), "lx": fmt(left - 6), "ty": fmt(y + 4),
                "label": number(value),
            ]
        }
        return [
            "id": identifier(title + description), "title": title, "description": description, "width": fmt(width),
            "height": fmt(height), "yTicks": yTicks, "xLabel": xLabel, "yLabel": yLabel,
            "xLabelX": fmt((left + width - right) / 2), "xLabelY": fmt(height - 6), "yLabelY": fmt(top - 4),
            "axisX1": fmt(left), "axisX2": fmt(width - right), "axisY": fmt(height - bottom),
        ]
    }

    /// The value axis: a range from the data, rounded to a "nice" step, mapped onto pixel rows.
    struct Scale {
        let low: Double
        let high: Double
        let step: Double
        let from: Double
        let to: Double

        init(values: [Double], from: Double, to: Double) {
            var low = min(values.min() ?? 0, 0)
            var high = values.max() ?? 1
            if high <= low { high = low + 1 }
            let raw = (high - low) / 4
            let magnitude = pow(10, floor(log10(raw)))
            let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
            low = floor(low / step) * step
            high = ceil(high / step) * step
            (self.low, self.high, self.step, self.from, self.to) = (low, high, step, from, to)
        }

        /// The tick values from low to high.
        var ticks: [Double] { stride(from: low, through: high + step / 2, by: step).map { $0 } }

        /// The pixel row of `value` (higher values nearer the top).
        func y(_ value: Double) -> Double { to - (value - low) / (high - low) * (to - from) }
    }

    /// A coordinate with one decimal.
    static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A figure as people read it: whole numbers without decimals, others with up to two.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        if value == value.rounded(), abs(value) < 1e12 { return String(Int64(value)) }
        return String(format: "%.2f", value)
    }

    /// A stable element id for the chart's title and description (FNV-1a of its texts).
    static func identifier(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "chart-" + String(hash, radix: 16)
    }
}
