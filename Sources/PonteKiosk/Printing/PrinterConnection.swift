import Foundation
import NIOCore
import NIOPosix
import PonteCore
import Synchronization

/// What a print that went through learned of the printer.
struct PrintReport: Sendable {
    var bytes: Int
    /// The printer's own word (`DLE EOT`) before and after the job, or nil when it does not
    /// answer status requests (many file and USB bridges do not).
    var printerStatus: String?
}

/// A print that did not go through, and why, in words an operator can act on.
struct PrintFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Sends a job's bytes to a location's printer.
///
/// A network printer (raw TCP, port 9100) is asked its status (`DLE EOT 1, 2, 4`) before the
/// job — a printer with its cover open, out of paper or offline gets nothing, and the attempt
/// fails with the reason — and again after it: a TCP write that succeeded only means the
/// bytes reached the socket, and a printer that dropped the connection or went offline
/// meanwhile must not count as printed. A printer that never answers status requests is
/// printed to without them. Connect and every write and read have their timeouts.
enum PrinterConnection {
    static func send(_ bytes: [UInt8], to printer: Printer) async throws -> PrintReport {
        switch printer.type {
        case .tcp:
            return try await sendTCP(
                bytes, host: printer.host ?? "127.0.0.1", port: printer.port ?? 9100,
                connectTimeout: .milliseconds(printer.connectTimeoutMs ?? Printer.defaultConnectTimeoutMs),
                ioTimeout: .milliseconds(printer.writeTimeoutMs ?? Printer.defaultWriteTimeoutMs))
        case .file:
            guard let path = printer.path else { throw PrintFailure("the file printer has no path") }
            do {
                if !FileManager.default.fileExists(atPath: path) {
                    let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
                    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                    guard FileManager.default.createFile(atPath: path, contents: nil) else {
                        throw PrintFailure("cannot create \(path)")
                    }
                }
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                defer { try? handle.close() }
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(bytes))
                try handle.synchronize()
            } catch let failure as PrintFailure {
                throw failure
            } catch {
                throw PrintFailure("cannot write to \(path): \(error.localizedDescription)")
            }
            return PrintReport(bytes: bytes.count, printerStatus: nil)
        case .stdout:
            FileHandle.standardOutput.write(Data(bytes))
            return PrintReport(bytes: bytes.count, printerStatus: nil)
        }
    }

    // MARK: TCP

    private static func sendTCP(_ bytes: [UInt8], host: String, port: Int, connectTimeout: Duration, ioTimeout: Duration) async throws
        -> PrintReport
    {
        let received = ReceivedBytes()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(connectTimeout.milliseconds))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ReceivedBytesHandler(received)) }
                }
                .connect(host: host, port: port).get()
        } catch {
            throw PrintFailure("cannot connect to the printer at \(host):\(port): \(error)")
        }
        defer { channel.close(promise: nil) }
        // Printers answer DLE EOT at once, even while busy: a second is plenty.
        let statusTimeout = min(ioTimeout, .seconds(1))
        let before = try await status(channel, received, timeout: statusTimeout, host: host, port: port)
        if let problem = before?.problem { throw PrintFailure("\(problem) (\(host):\(port)); nothing was sent") }
        try await write(bytes, to: channel, received: received, timeout: ioTimeout, host: host, port: port)
        var after: PrinterStatus?
        if before != nil {
            after = try await status(channel, received, timeout: max(statusTimeout, ioTimeout), host: host, port: port)
            guard let after else { throw PrintFailure("the printer at \(host):\(port) stopped answering after the job; it may not have printed") }
            if let problem = after.problem { throw PrintFailure("\(problem) (\(host):\(port)) after the job was sent; it may not have printed") }
        }
        return PrintReport(bytes: bytes.count, printerStatus: (after ?? before).map(describe))
    }

    private static func describe(_ status: PrinterStatus) -> String {
        status.paperNearEnd ? "online, paper near its end" : "online"
    }

    private static func write(
        _ bytes: [UInt8], to channel: any Channel, received: ReceivedBytes, timeout: Duration, host: String, port: Int
    ) async throws {
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: written)
        let timer = channel.eventLoop.scheduleTask(in: .milliseconds(timeout.milliseconds)) {
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            try await written.futureResult.get()
        } catch {
            throw PrintFailure("writing to the printer at \(host):\(port) failed: \(received.closeReason ?? "\(error)")")
        }
    }

    /// The printer's status, nil when it does not answer within `timeout`.
    private static func status(_ channel: any Channel, _ received: ReceivedBytes, timeout: Duration, host: String, port: Int) async throws
        -> PrinterStatus?
    {
        let start = received.count
        let requests = PrinterStatus.requests.flatMap { $0 }
        try await write(requests, to: channel, received: received, timeout: timeout, host: host, port: port)
        let deadline = ContinuousClock.now + timeout
        while true {
            let seen = received.version
            let answers = received.bytes(from: start)
            if answers.count >= PrinterStatus.requests.count {
                guard let status = PrinterStatus(answers: Array(answers.prefix(PrinterStatus.requests.count))) else {
                    throw PrintFailure("the printer at \(host):\(port) answered its status with bytes that are not ESC/POS status: \(answers)")
                }
                return status
            }
            if let reason = received.closeReason {
                throw PrintFailure("the printer at \(host):\(port) closed the connection: \(reason)")
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return nil }
            await received.waitForChange(after: seen, timeout: left)
        }
    }

    /// The bytes a printer sends back, and how its connection ended; a reader waits for the
    /// next change instead of polling.
    final class ReceivedBytes: Sendable {
        private struct State {
            var bytes: [UInt8] = []
            var closeReason: String?
            /// Counts the changes, so a reader knows whether it has seen the latest.
            var version = 0
            var waiter: CheckedContinuation<Void, Never>?
        }

        private let state = Mutex(State())

        var version: Int { state.withLock { $0.version } }
        var closeReason: String? { state.withLock { $0.closeReason } }
        func bytes(from start: Int) -> [UInt8] { state.withLock { Array($0.bytes[min(start, $0.bytes.count)...]) } }
        var count: Int { state.withLock { $0.bytes.count } }

        func append(_ more: [UInt8]) {
            changed { $0.bytes += more }
        }

        func close(_ reason: String) {
            changed { if $0.closeReason == nil { $0.closeReason = reason } }
        }

        private func changed(_ change: (inout State) -> Void) {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                change(&state)
                state.version += 1
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }

        /// Returns once something changed after `version`, or `timeout` passed.
        func waitForChange(after version: Int, timeout: Duration) async {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await withCheckedContinuation { continuation in
                        let now = self.state.withLock { state -> Bool in
                            guard state.version == version, state.waiter == nil else { return true }
                            state.waiter = continuation
                            return false
                        }
                        if now { continuation.resume() }
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    self.changed { _ in }  // wakes the waiter, if it still waits
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    final class ReceivedBytesHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: ReceivedBytes

        init(_ received: ReceivedBytes) {
            self.received = received
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        }

        func channelInactive(context: ChannelHandlerContext) {
            received.close("the connection was closed")
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            received.close("\(error)")
            context.close(promise: nil)
        }
    }
}

extension Duration {
    fileprivate var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
