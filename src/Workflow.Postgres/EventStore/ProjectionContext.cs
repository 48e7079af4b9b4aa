using Npgsql;

namespace Workflow.Postgres.EventStore;

/// <summary>
/// What a projection's handler writes its read model with: the connection and the transaction in which the
/// subscription's checkpoint is also written. Both commit together or not at all, so each event changes the read model
/// exactly once.
/// </summary>
/// <remarks>Run commands on <see cref="Connection"/> with <see cref="Transaction"/>; never commit, roll back or close
/// them yourself. Throw to fail the event: the whole transaction is rolled back and the event retried.</remarks>
public sealed class ProjectionContext
{
    internal ProjectionContext(string subscriptionName, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        SubscriptionName = subscriptionName;
        Connection = connection;
        Transaction = transaction;
    }

    /// <summary>Gets the name of the projection's subscription.</summary>
    public string SubscriptionName { get; }

    /// <summary>Gets the open connection of the transaction.</summary>
    public NpgsqlConnection Connection { get; }

    /// <summary>Gets the transaction that also writes the checkpoint.</summary>
    public NpgsqlTransaction Transaction { get; }
}
