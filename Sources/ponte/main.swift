import NIOCore
import NIOPosix

// Run Swift concurrency on SwiftNIO's event loops: request handlers then run on the threads
// that do the socket I/O, instead of hopping to a separate thread pool and back per request.
// This must happen before any other async work, hence a main.swift rather than `@main`.
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

await Ponte.start()
