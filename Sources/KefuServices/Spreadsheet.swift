import Foundation
import KefuLedger

/// Report exports that spreadsheet programs open safely: CSV with formula-looking cells neutralised, and XLSX
/// (Office Open XML, one sheet of inline strings and numbers).
///
/// A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula by Excel,
/// LibreOffice or Sheets (CSV injection); such text gets a leading apostrophe, which they show as text. Plain numbers
/// (`-3.5`) are left alone.
public enum Spreadsheet {
    /// `text` as a spreadsheet shows it without evaluating it.
    public static func neutralised(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return text }
        if isPlainNumber(text) { return text }
        return "'" + text
    }

    /// True for a decimal number such as `-12`, `+0.5` or `-1.25e3` (nothing a spreadsheet would run).
    static func isPlainNumber(_ text: String) -> Bool {
        guard text.count <= 40, let value = Double(text), value.isFinite else { return false }
        return text.unicodeScalars.allSatisfy { "0123456789+-.eE".unicodeScalars.contains($0) }
    }

    /// One CSV field: neutralised, then quoted when it holds a comma, a quote or a line break (RFC 4180).
    public static func csvField(_ text: String) -> String {
        let safe = neutralised(text)
        guard safe.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return safe }
        return "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A whole CSV document (CRLF line ends, as RFC 4180 writes them); `bom` adds the UTF-8 byte-order mark Excel
    /// needs to read Chinese text correctly.
    public static func csv(header: [String], rows: [[String]], bom: Bool = true) -> String {
        var out = bom ? "\u{FEFF}" : ""
        for row in [header] + rows {
            out += row.map(csvField).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// An XLSX workbook with one sheet named `sheet`: the header row, then `rows`; cells that are plain numbers are
    /// stored as numbers, everything else as text (never as formulas).
    public static func xlsx(sheet: String, header: [String], rows: [[String]]) -> [UInt8] {
        var zip = ZipWriter()
        zip.add("[Content_Types].xml", XLSXParts.contentTypes)
        zip.add("_rels/.rels", XLSXParts.rootRelationships)
        zip.add("xl/workbook.xml", XLSXParts.workbook(sheetName: sheetName(sheet)))
        zip.add("xl/_rels/workbook.xml.rels", XLSXParts.workbookRelationships)
        zip.add("xl/worksheets/sheet1.xml", XLSXParts.worksheet([header] + rows))
        return zip.finish()
    }

    /// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
    static func sheetName(_ name: String) -> String {
        let cleaned = String(name.filter { !"[]:*?/\\".contains($0) }.prefix(31))
        return cleaned.isEmpty ? "Sheet1" : cleaned
    }
}

/// The XML parts of a one-sheet workbook.
enum XLSXParts {
    static let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    static let package = "http://schemas.openxmlformats.org/package/2006"

    static let contentTypes =
        header + """
            <Types xmlns="\(package)/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" \
            ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/worksheets/sheet1.xml" \
            ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
            </Types>
            """

    static let rootRelationships =
        header + """
            <Relationships xmlns="\(package)/relationships">\
            <Relationship Id="rId1" Type="\(relationships)/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """

    static let workbookRelationships =
        header + """
            <Relationships xmlns="\(package)/relationships">\
            <Relationship Id="rId1" Type="\(relationships)/worksheet" Target="worksheets/sheet1.xml"/>\
            </Relationships>
            """

    static func workbook(sheetName: String) -> String {
        header + """
            <workbook xmlns="\(main)" xmlns:r="\(relationships)"><sheets>\
            <sheet name="\(xml(sheetName))" sheetId="1" r:id="rId1"/></sheets></workbook>
            """
    }

    static func worksheet(_ rows: [[String]]) -> String {
        var out = header + #"<worksheet xmlns="\#(main)"><sheetData>"#
        for (r, row) in rows.enumerated() {
            out += #"<row r="\#(r + 1)">"#
            for (c, value) in row.enumerated() {
                let reference = column(c) + String(r + 1)
                if r > 0, Spreadsheet.isPlainNumber(value) {
                    out += #"<c r="\#(reference)"><v>\#(value)</v></c>"#
                } else {
                    out +=
                        #"<c r="\#(reference)" t="inlineStr"><is><t xml:space="preserve">\#(xml(value))</t></is></c>"#
                }
            }
            out += "</row>"
        }
        return out + "</sheetData></worksheet>"
    }

    /// The column letters of a 0-based index: A…Z, AA….
    static func column(_ index: Int) -> String {
        var n = index + 1
        var letters = ""
        while n > 0 {
            let rest = (n - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + rest))) + letters
            n = (n - 1) / 26
        }
        return letters
    }

    /// `text` escaped for XML, without the control characters XML 1.0 cannot carry.
    static func xml(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// A ZIP archive written in memory (deflated entries, UTF-8 names, no ZIP64: exports stay far below 4 GiB).
struct ZipWriter {
    private var data: [UInt8] = []
    private var central: [UInt8] = []
    private var count = 0

    /// Adds a file.
    mutating func add(_ name: String, _ text: String) {
        let content = Array(text.utf8)
        let crc = Zlib.crc32(content)
        let deflated = Zlib.deflate(content, windowBits: -15)
        let (method, stored): (UInt16, [UInt8]) = deflated.map { (8, $0) } ?? (0, content)
        let nameBytes = Array(name.utf8)
        let offset = UInt32(data.count)
        // Version 2.0, flag bit 11 (UTF-8 names), 1980-01-01 00:00 (a fixed time keeps exports reproducible).
        var fields: [UInt8] = []
        fields.le(UInt16(20))
        fields.le(UInt16(0x0800))
        fields.le(method)
        fields.le(UInt16(0))
        fields.le(UInt16(0x21))
        fields.le(crc)
        fields.le(UInt32(stored.count))
        fields.le(UInt32(content.count))
        fields.le(UInt16(nameBytes.count))
        fields.le(UInt16(0))
        data.le(UInt32(0x0403_4b50))
        data += fields
        data += nameBytes
        data += stored
        central.le(UInt32(0x0201_4b50))
        central.le(UInt16(20))
        central += fields
        central.le(UInt16(0))
        central.le(UInt16(0))
        central.le(UInt16(0))
        central.le(UInt32(0))
        central.le(offset)
        central += nameBytes
        count += 1
    }

    /// The archive: entries, central directory, end record.
    mutating func finish() -> [UInt8] {
        let start = UInt32(data.count)
        var out = data + central
        out.le(UInt32(0x0605_4b50))
        out.le(UInt16(0))
        out.le(UInt16(0))
        out.le(UInt16(count))
        out.le(UInt16(count))
        out.le(UInt32(central.count))
        out.le(start)
        out.le(UInt16(0))
        return out
    }
}

extension [UInt8] {
    /// Appends `value` little-endian.
    fileprivate mutating func le<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
