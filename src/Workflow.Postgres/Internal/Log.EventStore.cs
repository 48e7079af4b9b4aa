using Microsoft.Extensions.Logging;

namespace Workflow.Postgres.Internal;

internal static partial class Log
{
    [LoggerMessage(PostgresEventId.SubscriptionActive, LogLevel.Information, "Subscription '{Subscription}' is active on consumer '{ConsumerId}', after position {Checkpoint}.")]
    public static partial void SubscriptionActive(ILogger logger, string subscription, string consumerId, string checkpoint);

    [LoggerMessage(PostgresEventId.SubscriptionLeaseLost, LogLevel.Warning, "Subscription '{Subscription}' lost its lease on consumer '{ConsumerId}': another consumer took it over, it was reset, or the database was unreachable for longer than the lease. It tries to take the subscription again.")]
    public static partial void SubscriptionLeaseLost(ILogger logger, string subscription, string consumerId);

    [LoggerMessage(PostgresEventId.SubscriptionHandlerRetry, LogLevel.Warning, "The handler of subscription '{Subscription}' failed on event {EventId} (type '{EventType}', version {Version} of stream '{StreamId}'), attempt {Attempt} of {MaxAttempts}; it retries in {RetryDelay}.")]
    public static partial void SubscriptionHandlerRetry(
        ILogger logger, Exception exception, string subscription, Guid eventId, string eventType, long version, string streamId, int attempt, int maxAttempts, TimeSpan retryDelay);

    [LoggerMessage(PostgresEventId.SubscriptionFailed, LogLevel.Error, "Subscription '{Subscription}' stopped on consumer '{ConsumerId}' because its handler kept failing.")]
    public static partial void SubscriptionFailed(ILogger logger, Exception exception, string subscription, string consumerId);

    [LoggerMessage(PostgresEventId.SubscriptionInterrupted, LogLevel.Warning, "Subscription '{Subscription}' could not work with the database on consumer '{ConsumerId}'; it tries again in {RetryDelay}.")]
    public static partial void SubscriptionInterrupted(ILogger logger, Exception exception, string subscription, string consumerId, TimeSpan retryDelay);

    [LoggerMessage(PostgresEventId.SubscriptionReleaseFailed, LogLevel.Warning, "Subscription '{Subscription}' could not give up its lease when stopping on consumer '{ConsumerId}'; another consumer takes over once the lease expires.")]
    public static partial void SubscriptionReleaseFailed(ILogger logger, Exception exception, string subscription, string consumerId);

    [LoggerMessage(PostgresEventId.SnapshotNotStored, LogLevel.Warning, "Could not store the '{SnapshotType}' snapshot of stream '{StreamId}' at version {Version}; the aggregate is unaffected and the next load folds the events again.")]
    public static partial void SnapshotNotStored(ILogger logger, Exception exception, string snapshotType, string streamId, long version);

    [LoggerMessage(PostgresEventId.SnapshotUnreadable, LogLevel.Warning, "The '{SnapshotType}' snapshot of stream '{StreamId}' at version {Version} could not be read as the aggregate's state; the aggregate is rebuilt from all its events. Change the snapshot type when the state's shape changes.")]
    public static partial void SnapshotUnreadable(ILogger logger, Exception exception, string snapshotType, string streamId, long version);
}
