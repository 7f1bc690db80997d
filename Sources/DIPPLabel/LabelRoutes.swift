import DIPPRuns
import Foundation

/// The labelling page's HTTP interface, independent of the server library (tested directly):
///
/// | request | answer |
/// |---|---|
/// | `GET /` | the page |
/// | `GET /api/pair` | a new pair: `{id, label, className, prompt, left, right, recorded}` (PNG `data:` URLs) |
/// | `POST /api/choice` `{"id": …, "choice": "left" \| "right" \| "tie" \| "skip"}` | `{recorded, skipped}` once the pair is on disk |
/// | `GET /api/progress` | `{recorded, skipped, pairsFile}` |
///
/// Nothing else is served: no file is read from a request's path. A path with `..` (raw or
/// percent-encoded) is refused with 400, an unknown path gets 404, a known path with another
/// method 405, a malformed choice 400 with what is wrong, a pair the server does not know 409.
public enum LabelRoutes {
    public struct Response: Equatable, Sendable {
        public var status: Int
        public var contentType: String
        public var body: Data

        static func json(_ status: Int, _ value: some Encodable) -> Response {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return Response(status: status, contentType: "application/json", body: (try? encoder.encode(value)) ?? Data("{}".utf8))
        }

        static func error(_ status: Int, _ message: String) -> Response { json(status, ["error": message]) }
    }

    struct Progress: Encodable {
        var recorded: Int
        var skipped: Int
        var pairsFile: String
    }

    struct ChoiceRequest: Decodable {
        var id: String
        var choice: String
    }

    static let routes: [String: String] = ["/": "GET", "/api/pair": "GET", "/api/choice": "POST", "/api/progress": "GET"]

    /// The answer to `method rawPath` with `body`.
    public static func respond(method: String, rawPath: String, body: Data, session: LabelSession) -> Response {
        let path = String(rawPath.prefix { $0 != "?" && $0 != "#" })
        let decoded = path.removingPercentEncoding ?? path
        if path.contains("..") || decoded.contains("..") || decoded.contains("\\") || decoded.contains("\0") {
            return .error(400, "path traversal refused: this server serves only its own page and API")
        }
        guard let allowed = routes[decoded] else { return .error(404, "no such page: \(decoded)") }
        guard method == allowed else { return .error(405, "\(decoded) takes \(allowed) only") }
        switch decoded {
        case "/":
            return Response(status: 200, contentType: "text/html; charset=utf-8", body: Data(LabelPage.html.utf8))
        case "/api/pair":
            do {
                return .json(200, try session.next())
            } catch {
                return .error(500, "could not draw a pair: \(error)")
            }
        case "/api/progress":
            return .json(200, Progress(recorded: session.recorded, skipped: session.skipped, pairsFile: session.pairsFile.path))
        default:
            return choose(body, session: session)
        }
    }

    static func choose(_ body: Data, session: LabelSession) -> Response {
        guard body.count <= 4096 else { return .error(413, "a choice is a small JSON object") }
        guard let request = try? JSONDecoder().decode(ChoiceRequest.self, from: body) else {
            return .error(400, "expected a JSON object {\"id\": \"p1\", \"choice\": \"left\"|\"right\"|\"tie\"|\"skip\"}")
        }
        let choice: PreferencePair.Choice?
        if request.choice == "skip" {
            choice = nil
        } else if let known = PreferencePair.Choice(rawValue: request.choice) {
            choice = known
        } else {
            return .error(400, "unknown choice '\(request.choice)': use left, right, tie or skip")
        }
        do {
            let recorded = try session.choose(request.id, choice)
            return .json(200, ["recorded": recorded, "skipped": session.skipped])
        } catch LabelSession.ChoiceError.unknownPair(let id) {
            return .error(409, "pair '\(id)' is not waiting for a choice (already judged, or drawn before a restart): fetch a new pair")
        } catch {
            return .error(500, "the choice was not recorded: \(error)")
        }
    }
}
