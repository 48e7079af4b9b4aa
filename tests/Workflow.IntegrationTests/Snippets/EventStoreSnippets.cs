using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Workflow.Postgres.EventStore;
using Workflow.Storage;

namespace Workflow.IntegrationTests.Snippets;

/// <summary>The event store examples of src/Workflow.Postgres/README.md; README blocks must equal these regions.</summary>
public static class EventStoreSnippets
{
    public static IServiceCollection AddBilling(IServiceCollection services, string connectionString)
    {
        #region event-store-register
        services.AddPostgresEventStore(connectionString, options => options.Schema = "billing");
        #endregion
        return services;
    }

    public static async Task<Aggregate<Account>> DepositAsync(PostgresEventStore store, string accountId, decimal amount, CancellationToken cancellationToken)
    {
        #region event-store-aggregate
        var accounts = new AggregateRepository<Account>(
            store,
            initialState: () => new Account(Balance: 0m),
            apply: (account, e) => e.Type switch
            {
                "account.deposited.v1" => account with { Balance = account.Balance + e.Deserialize<Deposited>()!.Amount },
                _ => account,
            },
            snapshotType: "account.v1",
            snapshotEvery: 100);

        var account = await accounts.LoadAsync(accountId, cancellationToken);
        var deposited = new EventData(Guid.NewGuid(), "account.deposited.v1", JsonSerializer.SerializeToUtf8Bytes(new Deposited(amount), JsonSerializerOptions.Web));
        account = await accounts.AppendAsync(account, [deposited], cancellationToken);   // WorkflowConcurrencyException if the stream moved
        #endregion
        return account;
    }

    public static async Task<EventSubscription> StartBalancesAsync(PostgresEventStore store, CancellationToken cancellationToken)
    {
        #region event-store-projection
        var balances = await store.StartProjectionAsync(
            "balances",
            async (context, e, ct) =>
            {
                if (e.Type != "account.deposited.v1")
                {
                    return;
                }

                // Runs in the transaction that also moves the projection's checkpoint: applied exactly once.
                await using var upsert = new NpgsqlCommand(
                    """
                    INSERT INTO billing.balances (account_id, balance) VALUES ($1, $2)
                    ON CONFLICT (account_id) DO UPDATE SET balance = balances.balance + excluded.balance
                    """,
                    context.Connection,
                    context.Transaction);
                upsert.Parameters.Add(new NpgsqlParameter { Value = e.StreamId });
                upsert.Parameters.Add(new NpgsqlParameter { Value = e.Deserialize<Deposited>()!.Amount });
                await upsert.ExecuteNonQueryAsync(ct);
            },
            cancellationToken: cancellationToken);
        #endregion
        return balances;
    }

    public sealed record Account(decimal Balance);

    public sealed record Deposited(decimal Amount);
}
