import Foundation
import HTTPTypes
import Hummingbird
import PonteCore
import PonteKit
import PonteStore

/// The panel on the wall of a kiosk location: the ticket being called, big enough to read
/// from across the room, and the last few calls with their desks, live. It is open (a TV has
/// no credentials) and shows ticket numbers and desks only — the display's own stream
/// carries nothing else.
struct DisplayPage: Sendable {
    let context: ModuleContext
    static let recent = 6

    func addRoutes(to routes: inout APIRoutes) {
        routes.get(
            "kiosk/locations/{location_id}/display",
            APIOperation(
                "kioskDisplayPanel", "The location's display panel (HTML)",
                description: "A plain HTML page that follows the location's calls over Server-Sent Events. No credentials: it shows ticket numbers and desks only.",
                tags: ["Kiosk"]
            )
            .response(200, .string("HTML"), "The panel", contentType: "text/html")
            .errors(404, "LOCATION_NOT_FOUND"),
            access: .open, page)
        let endpoint = context.streamEndpoint
        routes.get(
            "kiosk/locations/{location_id}/display/events",
            StreamEndpoint.operation("readKioskDisplayEvents", "The display panel's stream: TICKET_CALLED (ticket number, desk, time)")
                .tagged("Kiosk")
                .errors(404, "LOCATION_NOT_FOUND"),
            access: .open
        ) { request, context in
            let location = try await LocationsAPI.location(context, on: self.context.database)
            return try await endpoint.respond(to: request, context: context, stream: Location.displayStreamName(location.id))
        }
    }

    @Sendable func page(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let location = try await LocationsAPI.location(context, on: self.context.database)
        let calls = try await recentCalls(Location.displayStreamName(location.id))
        let html = Self.html(location: location, calls: calls.calls, after: calls.head)
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The last calls of the display's stream, newest first, one per ticket; and the stream's
    /// head, where the page's live updates start.
    private func recentCalls(_ stream: String) async throws -> (calls: [DisplayCall], head: Int64) {
        let head = try await context.streams.read(stream, after: 0, limit: 1).lastSeq
        let window = Int64(Self.recent * 4)
        let tail: StreamRead
        do {
            tail = try await context.streams.read(stream, after: max(0, head - window), limit: Int(window))
        } catch let expired as StreamCursorExpired {  // older calls are gone: read what is kept
            tail = try await context.streams.read(stream, after: expired.oldestAvailable - 1, limit: Int(window))
        }
        var calls: [DisplayCall] = []
        for event in tail.events.reversed() {
            guard let call = try? JSONDecoder().decode(DisplayCall.self, from: Data(event.data.utf8)),
                !calls.contains(where: { $0.ticketNumber == call.ticketNumber })
            else { continue }
            calls.append(call)
            if calls.count == Self.recent { break }
        }
        return (calls, max(head, tail.lastSeq))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }

    static func html(location: Location, calls: [DisplayCall], after: Int64) -> String {
        let current = calls.first
        let rows = calls.dropFirst().map { "<li><span class=\"n\">\(escape($0.ticketNumber))</span><span class=\"d\">\(escape($0.desk))</span></li>" }
            .joined()
        let initial = (try? APIJSON.string(calls)) ?? "[]"
        // The JSON sits in a <script> block: "</" must not close it early.
        let safeInitial = initial.replacingOccurrences(of: "</", with: "<\\/")
        let events = "/kiosk/locations/\(location.id)/display/events"
        return """
            <!doctype html>
            <html lang="pt-BR">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(location.name)) — painel de senhas</title>
            <link rel="icon" href="data:,">
            <style>
              html, body { margin: 0; height: 100%; background: #101820; color: #f5f5f5; font-family: system-ui, sans-serif; }
              body { display: flex; flex-direction: column; }
              header { padding: 2vh 4vw; font-size: 3vh; color: #9fb3c8; }
              main { flex: 1; display: flex; gap: 4vw; padding: 0 4vw 4vh; }
              #current { flex: 3; display: flex; flex-direction: column; justify-content: center; align-items: center; background: #1d2b38; border-radius: 2vh; }
              #current .label { font-size: 4vh; color: #9fb3c8; }
              #current .n { font-size: 28vh; font-weight: 800; line-height: 1; letter-spacing: .05em; }
              #current .d { font-size: 8vh; font-weight: 600; color: #ffd166; }
              #current.flash { animation: flash 1s ease-in-out 3; }
              @keyframes flash { 50% { background: #2f4a63; } }
              aside { flex: 2; }
              aside h2 { font-size: 4vh; color: #9fb3c8; font-weight: 500; margin: 2vh 0; }
              ol { list-style: none; margin: 0; padding: 0; }
              li { display: flex; justify-content: space-between; font-size: 7vh; padding: 1vh 2vw; border-bottom: 1px solid #2f4a63; }
              li .d { color: #ffd166; font-size: 5vh; align-self: center; }
              #status { position: fixed; right: 2vw; bottom: 1vh; font-size: 2vh; color: #5c7080; }
            </style>
            </head>
            <body>
            <header>\(escape(location.name))</header>
            <main>
              <section id="current" aria-live="assertive">
                <div class="label">Senha</div>
                <div class="n" id="number">\(escape(current?.ticketNumber ?? "—"))</div>
                <div class="d" id="desk">\(escape(current?.desk ?? ""))</div>
              </section>
              <aside>
                <h2>Últimas chamadas</h2>
                <ol id="recent">\(rows)</ol>
              </aside>
            </main>
            <div id="status">conectando…</div>
            <script id="initial" type="application/json">\(safeInitial)</script>
            <script>
            (function () {
              var calls = JSON.parse(document.getElementById('initial').textContent);
              var keep = \(recent);
              function text(tag, cls, value) { var e = document.createElement(tag); e.className = cls; e.textContent = value; return e; }
              function render(flash) {
                var first = calls[0];
                document.getElementById('number').textContent = first ? first.ticket_number : '—';
                document.getElementById('desk').textContent = first ? first.desk : '';
                var list = document.getElementById('recent');
                list.textContent = '';
                calls.slice(1, keep).forEach(function (c) {
                  var li = document.createElement('li');
                  li.appendChild(text('span', 'n', c.ticket_number));
                  li.appendChild(text('span', 'd', c.desk));
                  list.appendChild(li);
                });
                if (flash) {
                  var box = document.getElementById('current');
                  box.classList.remove('flash'); void box.offsetWidth; box.classList.add('flash');
                }
              }
              var source = new EventSource('\(events)?after=\(after)');
              var status = document.getElementById('status');
              source.onopen = function () { status.textContent = 'ao vivo'; };
              source.onerror = function () { status.textContent = 'reconectando…'; };
              source.addEventListener('TICKET_CALLED', function (message) {
                var event = JSON.parse(message.data);
                var call = event.data || event;
                calls = [call].concat(calls.filter(function (c) { return c.ticket_number !== call.ticket_number; })).slice(0, keep);
                render(true);
              });
            })();
            </script>
            </body>
            </html>
            """
    }
}
