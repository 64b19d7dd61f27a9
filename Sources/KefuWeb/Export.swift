import Foundation
import HTTPTypes
import Hummingbird
import KefuServices

/// Report downloads: `?format=csv` or `?format=xlsx` on a report page answers the same rows as a file.
enum Export {
    /// The download formats a report offers.
    enum Format: String {
        case csv, xlsx
    }

    /// The format asked for by the request's `format` query parameter, if any.
    static func requested(_ request: Request) -> Format? {
        request.uri.queryParameters.get("format").flatMap(Format.init(rawValue:))
    }

    /// A report as `format`: CSV (UTF-8 with BOM, formula-looking cells neutralised) or XLSX.
    static func file(
        _ format: Format, filename: String, sheet: String, header: [String], rows: [[String]]
    ) -> Response {
        switch format {
        case .csv: return csv(filename: filename, header: header, rows: rows)
        case .xlsx: return xlsx(filename: filename, sheet: sheet, header: header, rows: rows)
        }
    }

    /// A CSV download.
    static func csv(filename: String, header: [String], rows: [[String]]) -> Response {
        download(
            Array(Spreadsheet.csv(header: header, rows: rows).utf8), type: "text/csv; charset=utf-8",
            filename: filename + ".csv")
    }

    /// An XLSX download.
    static func xlsx(filename: String, sheet: String, header: [String], rows: [[String]]) -> Response {
        download(
            Spreadsheet.xlsx(sheet: sheet, header: header, rows: rows),
            type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename: filename + ".xlsx")
    }

    /// A file download: an ASCII fallback name and the UTF-8 name (RFC 6266 / 5987).
    static func download(_ bytes: [UInt8], type: String, filename: String) -> Response {
        let ascii = String(
            filename.unicodeScalars.map {
                $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? Character($0) : "_"
            })
        let encoded =
            filename.addingPercentEncoding(
                withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_")))
            ?? ascii
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        headers[.contentDisposition] = "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
