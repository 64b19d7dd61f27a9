import Foundation
public import KefuQA

extension QAImportService {
    /// Reads a masking test set — JSON Lines, one `{"text": …, "spans": [{"kind": …, "text": …}]}` per
    /// line (`spans` empty for look-alikes that must stay readable) — and measures the masker that
    /// `masking` describes on it. Errors name `label:line` and never echo the line.
    public static func evaluateMasking(
        _ data: [UInt8], label: String, masking: MaskingPolicy = MaskingPolicy()
    ) throws -> MaskingEvaluation.Report {
        struct Line: Decodable {
            struct Span: Decodable {
                var kind: String
                var text: String
            }
            var text: String
            var spans: [Span]
        }
        var cases: [MaskingEvaluation.Case] = []
        var number = 0
        for raw in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            let line = raw.last == 0x0D ? raw.dropLast() : raw
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard let decoded = try? JSONDecoder().decode(Line.self, from: Data(line)) else {
                throw ServiceError(
                    .invalidInput, "\(label):\(number): not a masking case (expected {\"text\": …, \"spans\": […]})")
            }
            var spans: [(kind: PersonalDataKind, text: String)] = []
            for span in decoded.spans {
                guard let kind = PersonalDataKind(rawValue: span.kind) else {
                    throw ServiceError(
                        .invalidInput,
                        "\(label):\(number): unknown kind `\(span.kind)`; kinds: \(PersonalDataKind.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                guard decoded.text.contains(span.text), !span.text.isEmpty else {
                    throw ServiceError(.invalidInput, "\(label):\(number): a span's text does not occur in the text")
                }
                spans.append((kind, span.text))
            }
            cases.append(MaskingEvaluation.Case(text: decoded.text, spans: spans))
        }
        guard !cases.isEmpty else { throw ServiceError(.invalidInput, "\(label): no masking cases") }
        let masker = try masking.masker()
        do { return try MaskingEvaluation.evaluate(cases, masker: masker) } catch {
            throw ServiceError(.invalidInput, "\(label): masking failed: \(error)")
        }
    }
}
