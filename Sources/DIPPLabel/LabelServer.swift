import DIPPTensor
import FlyingFox
import FlyingSocks
import Foundation

/// Serves ``LabelRoutes`` over HTTP/1.1 with FlyingFox (non-blocking sockets, one task per connection).
public enum LabelServer {
    /// Listens on `host:port` (IPv4; default loopback) until the process ends; `ready` is called
    /// once the socket is listening.
    public static func run(session: LabelSession, host: String = "127.0.0.1", port: UInt16, ready: @escaping @Sendable () -> Void) async throws {
        let handler = ClosureHTTPHandler { request in
            let body = try await request.bodyData
            let answer = LabelRoutes.respond(method: request.method.rawValue, rawPath: request.target.path(percentEncoded: true),
                                             body: body, session: session)
            var headers = HTTPHeaders()
            headers[.contentType] = answer.contentType
            headers[.cacheControl] = "no-store"
            headers[HTTPHeader("X-Content-Type-Options")] = "nosniff"
            return HTTPResponse(statusCode: HTTPStatusCode(answer.status, phrase: phrase(answer.status)), headers: headers, body: answer.body)
        }
        let server = HTTPServer(address: try sockaddr_in.inet(ip4: host, port: port), logger: .disabled, handler: handler)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            group.addTask {
                try await server.waitUntilListening()
                ready()
            }
            try await group.waitForAll()
        }
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Content Too Large"
        default: "Internal Server Error"
        }
    }
}

public enum ServerDomain: DiagnosticDomain { public static let name = "server" }
/// The labelling server could not start or stopped (a port in use, a network failure).
public typealias ServerError = Diagnostic<ServerDomain>
