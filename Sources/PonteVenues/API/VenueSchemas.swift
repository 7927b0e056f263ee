import PonteKit

/// The OpenAPI schemas of the venues API, by the names its operations refer to.
enum VenueSchemas {
    static func add(to routes: inout APIRoutes) {
        routes.schema(
            "Venue",
            .object([
                "id": .string(), "name": .string(), "venue_type": .string(), "webhook_url": JSONSchema.string().optional,
                "webhook_secret": JSONSchema.string("The whsec_ secret notices to webhook_url are signed with (Standard Webhooks); only in the answer that set the URL").optional,
                "created_at": .timestamp(), "updated_at": .timestamp(),
            ]))
        routes.schema(
            "VenueIntegration",
            .object([
                "id": .string(), "venue_id": .string(), "integration_type": .oneOf(VenueProvider.allCases.map(\.rawValue)),
                "auth_type": .oneOf(["oauth", "api_key"]), "status": .oneOf(Connection.Status.allCases.map(\.rawValue)),
                "account": JSONSchema.object(["id": .string(), "name": JSONSchema.string().optional], "The provider account connected").optional,
                "config": .object([
                    "sync_enabled": .boolean(), "sync_interval": .integer("Seconds", minimum: 60, maximum: 86400),
                    "sync_direction": .oneOf(Connection.SyncConfig.Direction.allCases.map(\.rawValue)),
                ]),
                "connected_at": JSONSchema.timestamp().optional, "disconnected_at": JSONSchema.timestamp().optional,
                "last_sync_at": JSONSchema.timestamp().optional, "health_status": .oneOf(Connection.Health.allCases.map(\.rawValue)),
                "health_checked_at": JSONSchema.timestamp().optional, "failure_count": .integer(minimum: 0),
                "last_error": JSONSchema.string().optional, "last_error_at": JSONSchema.timestamp().optional,
                "created_at": .timestamp(), "updated_at": .timestamp(),
            ]))
        routes.schema(
            "VenueAuditEntry",
            .object([
                "id": .string(), "venue_id": .string(), "action": .string("venue.create, connect, disconnect, api_key.validate, …"),
                "provider": JSONSchema.oneOf(VenueProvider.allCases.map(\.rawValue)).optional, "actor": .string("The token's subject"),
                "role": .string(), "address": JSONSchema.string("The caller's IP address").optional,
                "outcome": .oneOf(["succeeded", "failed"]), "detail": JSONSchema.string().optional, "at": .timestamp(),
            ]))
    }
}
