using Workflow.Postgres.Internal;

namespace Workflow.Postgres.Storage;

/// <summary>Options of a <see cref="PostgresWorkflowStore"/>, set with <c>UsePostgres(..., options => ...)</c> or passed to
/// its constructor. The store copies them when it is created.</summary>
public sealed class PostgresWorkflowStoreOptions
{
    /// <summary>The schema used when none is set.</summary>
    public const string DefaultSchema = "workflow";

    /// <summary>Gets or sets the PostgreSQL schema that holds the store's tables and function. Stores on different
    /// schemas of one database share nothing: give each service (or tenant) a schema of its own.</summary>
    /// <value>The default value is <c>workflow</c>.</value>
    /// <remarks>The name must be a plain identifier: 1 to 63 ASCII letters, digits and underscores, not starting with a
    /// digit, and not <c>pg_*</c>. It is always quoted in SQL, so its case matters (<c>Billing</c> is not <c>billing</c>).</remarks>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>Gets or sets a value indicating whether the store creates or upgrades its schema the first time it is used.
    /// Turn it off where the application's database user may not run DDL, and call
    /// <see cref="PostgresWorkflowStore.MigrateAsync"/> from a deployment step instead.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool AutoMigrate { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether stream watches are woken by <c>LISTEN</c>/<c>NOTIFY</c> when another
    /// node appends. Turn it off behind a pooler in transaction mode (PgBouncer), which cannot <c>LISTEN</c>: watches then
    /// rely on polling alone.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    /// <remarks>Watches of a stream on the store that appended to it are woken at once either way. The store holds one
    /// connection of its data source for listening once a watch has run. On a data source with <c>Multiplexing</c>,
    /// which has no connection of its own to listen on, notifications are off.</remarks>
    public bool UseNotifications { get; set; } = true;

    /// <summary>Gets or sets the shortest time between two notifications the store sends: appends within it are announced
    /// together, so a busy node sends at most one <c>NOTIFY</c> per interval.</summary>
    /// <value>The default value is 10 milliseconds.</value>
    public TimeSpan NotificationDebounce { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Gets or sets how often a watch reads its stream when nothing woke it: the guarantee behind
    /// notifications, which can be lost (a dropped connection, a node that crashed right after committing). It is
    /// measured on the store's <see cref="TimeProvider"/> (the host's, with <c>UsePostgres</c>).</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan WatchPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many times an operation is retried after a transient failure (a broken connection, a
    /// serialization failure or a deadlock) before the store gives up with a
    /// <see cref="Exceptions.WorkflowStoreUnavailableException"/>. Retried commits never write twice: appends are
    /// idempotent by event id.</summary>
    /// <value>The default value is 3.</value>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>
    /// Gets or sets how many leases on one instance's work may expire in a row, without its journal moving on, before the
    /// work is parked as dead: a run that crashes or hangs its node every time would otherwise take down node after node.
    /// A dead item is never claimed until <see cref="PostgresWorkflowStore.RetryDeadWorkItemAsync"/> puts it back;
    /// <see cref="PostgresWorkflowStore.GetDeadWorkItemsAsync"/> lists them. 0 never parks work.
    /// </summary>
    /// <value>The default value is 5.</value>
    public int MaxExpiredLeases { get; set; } = 5;

    /// <summary>Gets or sets a value indicating whether concurrent commits share round trips and transactions (group
    /// commit). A commit that finds the store idle goes at once, alone; commits that arrive while earlier ones are in
    /// flight go together in one transaction and one flush to disk, each checked and applied on its own, so a busy node
    /// commits many instances' steps for the price of one. Turn it off only to compare.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool BatchCommits { get; set; } = true;

    /// <summary>Returns what is wrong with these options, or an empty list.</summary>
    internal List<string> Validate()
    {
        var failures = StoreOptionsValidation.Validate(Schema, NotificationDebounce, MaxRetryAttempts);
        StoreOptionsValidation.RequirePositive(failures, nameof(WatchPollInterval), WatchPollInterval, TimeSpan.FromHours(1), "1 hour");
        if (MaxExpiredLeases is < 0 or > 1000)
        {
            failures.Add($"{nameof(MaxExpiredLeases)} is {MaxExpiredLeases}; it must be between 0 (never park work) and 1000.");
        }

        return failures;
    }
}
