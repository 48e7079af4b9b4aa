namespace Workflow.Postgres.Internal;

/// <summary>The ids of the log events of the PostgreSQL store (category <c>Workflow.Postgres</c>), listed in the package
/// README. They take 2000-2099, next to Workflow.Core's 1000-1299.</summary>
internal static class PostgresEventId
{
    public const int SchemaMigrated = 2000;
    public const int SchemaNewerThanPackage = 2001;
    public const int TransientFailure = 2002;
    public const int ListenerStarted = 2003;
    public const int ListenerFailed = 2004;
    public const int NotifyFailed = 2005;
    public const int WatchReadFailed = 2006;

    // The event store: 2050-2069.
    public const int SubscriptionActive = 2050;
    public const int SubscriptionLeaseLost = 2051;
    public const int SubscriptionHandlerRetry = 2052;
    public const int SubscriptionFailed = 2053;
    public const int SubscriptionInterrupted = 2054;
    public const int SubscriptionReleaseFailed = 2055;
    public const int SnapshotNotStored = 2056;
    public const int SnapshotUnreadable = 2057;

    // Operations: 2070-2089.
    public const int WorkItemDead = 2070;
    public const int WorkItemRetried = 2071;
    public const int InstancesPurged = 2072;
    public const int RetentionFailed = 2073;
}
