/// Where a received webhook is in its life: stored, then processed by a job.
public enum WebhookStatus: String, Sendable, CaseIterable, Codable {
    /// Stored and acknowledged; waiting for its processing job.
    case pending
    /// A worker is processing it now.
    case processing
    /// Its handler ran to completion.
    case processed
    /// No handler wants it; kept with the reason.
    case ignored
    /// Its handler failed after all attempts; see the last error.
    case failed
}
