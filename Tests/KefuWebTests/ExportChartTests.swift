import Foundation
import KefuCore
import Testing

@testable import KefuServices
@testable import KefuWeb

@Suite("web: report exports, charts and the navigation")
struct ExportChartTests {
    @Test("formula-looking cells are neutralised; plain numbers and ordinary text are not")
    func neutralising() {
        #expect(Spreadsheet.neutralised("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")")
        #expect(Spreadsheet.neutralised("+86 138") == "'+86 138")
        #expect(Spreadsheet.neutralised("-cmd|' /C calc'!A0") == "'-cmd|' /C calc'!A0")
        #expect(Spreadsheet.neutralised("@SUM(A1)") == "'@SUM(A1)")
        #expect(Spreadsheet.neutralised("\tx") == "'\tx")
        #expect(Spreadsheet.neutralised("-3.5") == "-3.5")
        #expect(Spreadsheet.neutralised("+12") == "+12")
        #expect(Spreadsheet.neutralised("您好=欢迎") == "您好=欢迎")
        #expect(Spreadsheet.csvField("a,b") == "\"a,b\"")
        #expect(Spreadsheet.csvField("=1+1,2") == "\"'=1+1,2\"")
        #expect(Spreadsheet.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        let document = Spreadsheet.csv(header: ["人员", "分数"], rows: [["E001", "-2"], ["=cmd", "1.5"]])
        #expect(document == "\u{FEFF}人员,分数\r\nE001,-2\r\n'=cmd,1.5\r\n")
    }

    @Test("an XLSX export is a ZIP that a spreadsheet reader opens: text as inline strings, numbers as numbers")
    func xlsx() throws {
        let bytes = Spreadsheet.xlsx(
            sheet: "QA report: 2026/12", header: ["agent", "score"],
            rows: [["E001", "0.85"], ["=1+1", "-2"], ["客服 <b>&", "x"]])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("report.xlsx")
        try Data(bytes).write(to: file)
        // Python's zipfile checks every CRC and inflates every member, as a spreadsheet program would.
        let script = """
            import sys, zipfile
            z = zipfile.ZipFile(sys.argv[1])
            assert z.testzip() is None
            print(sorted(z.namelist()))
            print(z.read('xl/workbook.xml').decode())
            print(z.read('xl/worksheets/sheet1.xml').decode())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(
            output.contains(
                "['[Content_Types].xml', '_rels/.rels', 'xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml']"
            ))
        #expect(output.contains(#"<sheet name="QA report 202612" sheetId="1""#))
        #expect(output.contains(#"<c r="B2"><v>0.85</v></c>"#))
        #expect(output.contains(#"<c r="B3"><v>-2</v></c>"#))
        #expect(output.contains(#"<c r="A3" t="inlineStr"><is><t xml:space="preserve">=1+1</t></is></c>"#))
        #expect(output.contains("客服 &lt;b&gt;&amp;"))
        #expect(!output.contains("<f>"))
        #expect(XLSXParts.column(0) == "A" && XLSXParts.column(25) == "Z" && XLSXParts.column(26) == "AA")
    }

    @Test("a download names its file in ASCII and in UTF-8")
    func download() {
        let response = Export.csv(filename: "质检报告-2026", header: ["a"], rows: [["1"]])
        let disposition = response.headers[.contentDisposition] ?? ""
        #expect(disposition.hasPrefix("attachment; filename=\"____-2026.csv\""))
        #expect(disposition.contains("filename*=UTF-8''%E8%B4%A8%E6%A3%80%E6%8A%A5%E5%91%8A-2026.csv"))
        #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
    }

    @Test("a line chart draws every point, keeps the data table, and escapes its texts")
    func lineChart() async throws {
        let data = ChartView.line(
            title: "得分 <趋势>", description: "每周期的平均分", xLabel: "周期", yLabel: "分",
            series: [
                .init(name: "E001", points: [("2026Q1", 60), ("2026Q2", 80)]),
                .init(name: "E002", points: [("2026Q2", 90), ("2026Q3", 100)]),
            ])
        let table = try #require(data["table"] as? [String: Any])
        let rows = try #require(table["rows"] as? [[String: Any]])
        #expect(rows.map { $0["label"] as? String } == ["2026Q1", "2026Q2", "2026Q3"])
        #expect(rows.map { $0["cells"] as? [String] } == [["60", "–"], ["80", "90"], ["–", "100"]])
        let series = try #require(data["series"] as? [[String: Any]])
        // The first point of E001 is at the left edge; 60 is above the bottom of a 0…100 axis.
        #expect((series[0]["points"] as? String)?.hasPrefix("56.0,") == true)
        #expect((data["yTicks"] as? [[String: Any]])?.map { $0["label"] as? String } == ["0", "25", "50", "75", "100"])
        let pages = try await Pages.load(WebConfiguration(root: repositoryRoot.path))
        let html = try #require(pages.library.render(data, withTemplate: "chart"))
        #expect(html.contains("<title id=\"\(data["id"] as? String ?? "?")-title\">得分 &lt;趋势&gt;</title>"))
        #expect(html.contains("<th scope=\"row\">2026Q2</th><td>80</td><td>90</td>"))
        #expect(html.components(separatedBy: "<circle").count - 1 == 4)
    }

    @Test("a bar chart's bars are proportional to the values")
    func barChart() throws {
        let data = ChartView.bars(title: "t", description: "d", unit: "%", bars: [("a", 50), ("b", 100), ("c", 0)])
        let bars = try #require(data["bars"] as? [[String: Any]])
        let widths = bars.compactMap { ($0["w"] as? String).flatMap(Double.init) }
        #expect(widths.count == 3)
        #expect(abs(widths[1] - 2 * widths[0]) < 0.2)
        #expect(widths[2] == 1)
        #expect(bars[1]["value"] as? String == "100%")
    }

    @Test("the navigation shows each person only the areas the policy opens to them")
    func navigation() {
        func areas(_ roles: Set<Role>) -> [String] {
            Navigation.links(for: Identity(person: "X", roles: roles, channel: .session), path: "/qa/report").map(
                \.href)
        }
        #expect(areas([.trainee]) == ["/", "/qa/mine"])
        #expect(areas([.trainee, .mentor]) == ["/", "/mentor", "/qa/mine"])
        #expect(areas([.trainee, .qaReviewer]) == ["/", "/qa"])
        #expect(areas([.trainee, .mentor, .teamLead]) == ["/", "/mentor", "/qa", "/team"])
        #expect(areas([.admin]) == ["/", "/qa", "/team", "/people", "/audit"])
        let current = Navigation.links(
            for: Identity(person: "X", roles: [.qaReviewer], channel: .session), path: "/qa/report")
        #expect(current.filter(\.current).map(\.href) == ["/qa"])
    }
}
