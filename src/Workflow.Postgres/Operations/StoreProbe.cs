namespace Workflow.Postgres.Operations;

/// <summary>The figures of the store's health check.</summary>
/// <param name="SchemaVersion">The schema version in the database.</param>
/// <param name="DeadWorkItems">Work items parked as dead (counted up to 10,000).</param>
/// <param name="DueWorkItems">Work items due now, including expired leases (counted up to 10,000).</param>
/// <param name="OldestDue">How long the oldest due item has waited, or <see langword="null"/> when none is due.</param>
internal readonly record struct StoreProbe(int SchemaVersion, long DeadWorkItems, long DueWorkItems, TimeSpan? OldestDue);
