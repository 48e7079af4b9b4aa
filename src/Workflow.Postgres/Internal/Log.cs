using Microsoft.Extensions.Logging;

namespace Workflow.Postgres.Internal;

internal static partial class Log
{
    public const string Category = "Workflow.Postgres";

    [LoggerMessage(PostgresEventId.SchemaMigrated, LogLevel.Information, "Migrated the Workflow schema '{Schema}' from version {FromVersion} to {ToVersion}.")]
    public static partial void SchemaMigrated(ILogger logger, string schema, int fromVersion, int toVersion);

    [LoggerMessage(PostgresEventId.SchemaNewerThanPackage, LogLevel.Warning, "The Workflow schema '{Schema}' is at version {SchemaVersion}, newer than version {PackageVersion} that this package knows; a newer node migrated it. Upgrade this node.")]
    public static partial void SchemaNewerThanPackage(ILogger logger, string schema, int schemaVersion, int packageVersion);

    [LoggerMessage(PostgresEventId.TransientFailure, LogLevel.Warning, "PostgreSQL failed while {Operation} with a transient error; retry {Attempt} in {RetryDelay}.")]
    public static partial void TransientFailure(ILogger logger, Exception? exception, string operation, int attempt, TimeSpan retryDelay);

    [LoggerMessage(PostgresEventId.ListenerStarted, LogLevel.Debug, "Listening for stream changes on channel '{Channel}'.")]
    public static partial void ListenerStarted(ILogger logger, string channel);

    [LoggerMessage(PostgresEventId.ListenerFailed, LogLevel.Warning, "The notification listener on channel '{Channel}' failed; watches poll until it reconnects in {RetryDelay}.")]
    public static partial void ListenerFailed(ILogger logger, Exception exception, string channel, TimeSpan retryDelay);

    [LoggerMessage(PostgresEventId.NotifyFailed, LogLevel.Debug, "Could not send a change notification on channel '{Channel}'; watchers on other nodes see the change at their next poll.")]
    public static partial void NotifyFailed(ILogger logger, Exception exception, string channel);

    [LoggerMessage(PostgresEventId.WatchReadFailed, LogLevel.Warning, "A watch of stream '{StreamId}' could not read from PostgreSQL; it tries again in {RetryDelay}.")]
    public static partial void WatchReadFailed(ILogger logger, Exception exception, string streamId, TimeSpan retryDelay);

    [LoggerMessage(PostgresEventId.WorkItemDead, LogLevel.Error, "The work of instance '{InstanceId}' is parked as dead: {ExpiredLeases} leases on it expired in a row without progress, the last one held by node '{ExpiredOwner}'. Inspect it with GetDeadWorkItemsAsync and retry it with RetryDeadWorkItemAsync once the cause is fixed.")]
    public static partial void WorkItemDead(ILogger logger, string instanceId, int expiredLeases, string? expiredOwner);

    [LoggerMessage(PostgresEventId.WorkItemRetried, LogLevel.Information, "The dead work of instance '{InstanceId}' was put back in the queue.")]
    public static partial void WorkItemRetried(ILogger logger, string instanceId);

    [LoggerMessage(PostgresEventId.InstancesPurged, LogLevel.Information, "Purged {Count} ended workflow instances that ended before {EndedBefore}.")]
    public static partial void InstancesPurged(ILogger logger, long count, DateTimeOffset endedBefore);

    [LoggerMessage(PostgresEventId.RetentionFailed, LogLevel.Warning, "Purging ended workflow instances failed; the next attempt is in {RetryDelay}.")]
    public static partial void RetentionFailed(ILogger logger, Exception exception, TimeSpan retryDelay);
}
