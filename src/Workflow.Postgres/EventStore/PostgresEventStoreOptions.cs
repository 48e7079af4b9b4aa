using Workflow.Postgres.Internal;
using Workflow.Postgres.Storage;

namespace Workflow.Postgres.EventStore;

/// <summary>Options of a <see cref="PostgresEventStore"/>, set with <c>AddPostgresEventStore(..., options =&gt; ...)</c> or
/// passed to its constructor. The store copies them when it is created.</summary>
public sealed class PostgresEventStoreOptions
{
    /// <summary>The schema used when none is set: the workflow store's, so that by default the event store reads and
    /// follows the workflow journal too.</summary>
    public const string DefaultSchema = PostgresWorkflowStoreOptions.DefaultSchema;

    /// <summary>Gets or sets the PostgreSQL schema that holds the store's tables. Event stores on different schemas of
    /// one database share nothing, neither events nor notifications: give each service its own schema. A
    /// <see cref="PostgresWorkflowStore"/> on the same schema shares the <c>streams</c> and <c>events</c> tables.</summary>
    /// <value>The default value is <c>workflow</c>.</value>
    /// <remarks>The name must be a plain identifier: 1 to 63 ASCII letters, digits and underscores, not starting with a
    /// digit, and not <c>pg_*</c>. It is always quoted in SQL, so its case matters.</remarks>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>Gets or sets a value indicating whether the store creates or upgrades its schema the first time it is used.
    /// Turn it off where the application's database user may not run DDL, and call
    /// <see cref="PostgresEventStore.MigrateAsync"/> from a deployment step instead.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool AutoMigrate { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether subscriptions are woken by <c>LISTEN</c>/<c>NOTIFY</c> when another
    /// process appends. Turn it off behind a pooler in transaction mode (PgBouncer), which cannot <c>LISTEN</c>:
    /// subscriptions then rely on polling alone (<see cref="EventSubscriptionOptions.PollInterval"/>).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    /// <remarks>Subscriptions on the store that appended are woken at once either way. The store holds one connection of
    /// its data source for listening while a subscription runs.</remarks>
    public bool UseNotifications { get; set; } = true;

    /// <summary>Gets or sets the shortest time between two notifications the store sends: appends within it are announced
    /// together, after their commits.</summary>
    /// <value>The default value is 10 milliseconds.</value>
    public TimeSpan NotificationDebounce { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Gets or sets how many times an operation is retried after a transient failure (a broken connection, a
    /// serialization failure or a deadlock) before the store gives up with a
    /// <see cref="Exceptions.WorkflowStoreUnavailableException"/>. A retried append never writes twice: appends are
    /// idempotent by event id.</summary>
    /// <value>The default value is 3.</value>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Gets or sets a value indicating whether concurrent appends share round trips and transactions (group
    /// commit). An append that finds the store idle goes at once, alone; appends that arrive while earlier ones are in
    /// flight go together in one transaction and one flush to disk, each checked on its own (a version conflict fails
    /// only its own append). Turn it off only to compare.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool BatchAppends { get; set; } = true;

    /// <summary>Gets the upcasters applied on every read: events of an old type are read as the newer type.</summary>
    /// <value>The default value is an empty list.</value>
    /// <remarks>At most one upcaster per old type, and no cycles; the store checks this when it is created.</remarks>
    public IList<EventUpcaster> Upcasters { get; } = new List<EventUpcaster>();

    /// <summary>Returns what is wrong with these options, or an empty list.</summary>
    internal List<string> Validate()
    {
        var failures = StoreOptionsValidation.Validate(Schema, NotificationDebounce, MaxRetryAttempts);
        failures.AddRange(EventUpcasting.Validate(Upcasters));
        return failures;
    }
}
