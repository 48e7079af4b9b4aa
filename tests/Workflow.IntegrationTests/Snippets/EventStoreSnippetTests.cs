using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Workflow.Postgres.EventStore;

namespace Workflow.IntegrationTests.Snippets;

public sealed class EventStoreSnippetTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EventStore_ReadmeExamples_DepositFoldsIntoTheAggregateAndTheProjectionSumsEachDepositOnce()
    {
        var connectionString = RequireDatabase();
        await using var admin = NpgsqlDataSource.Create(connectionString);
        await ExecuteAsync(admin, "DROP SCHEMA IF EXISTS billing CASCADE");
        try
        {
            await using var services = EventStoreSnippets.AddBilling(new ServiceCollection(), connectionString).BuildServiceProvider();
            var store = services.GetRequiredService<PostgresEventStore>();
            await store.MigrateAsync(Token);
            await ExecuteAsync(admin, "CREATE TABLE billing.balances (account_id text PRIMARY KEY, balance numeric NOT NULL)");

            await EventStoreSnippets.DepositAsync(store, "account-1", 10m, Token);
            var account = await EventStoreSnippets.DepositAsync(store, "account-1", 2.5m, Token);
            await EventStoreSnippets.DepositAsync(store, "account-2", 1m, Token);
            await using var projection = await EventStoreSnippets.StartBalancesAsync(store, Token);
            await StoreEventually(async () => await BalanceAsync(admin, "account-2") == 1m, "the projection reached the last deposit");

            Assert.Equal(12.5m, account.State.Balance);
            Assert.Equal(2, account.Version);
            Assert.Equal(12.5m, await BalanceAsync(admin, "account-1"));
            Assert.Equal("billing", store.Schema);
        }
        finally
        {
            await ExecuteAsync(admin, "DROP SCHEMA IF EXISTS billing CASCADE");
        }
    }

    private static string RequireDatabase()
    {
        if (Environment.GetEnvironmentVariable("WORKFLOW_TEST_POSTGRES") is { Length: > 0 } connectionString)
        {
            return connectionString;
        }

        const string Reason = "The event store snippets run against PostgreSQL: WORKFLOW_TEST_POSTGRES is not set. ./test.sh provisions a throwaway PostgreSQL and sets it.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(Reason + " CI=true, so this fails instead of skipping.");
        }

        Assert.Skip(Reason);
        return string.Empty;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Token);
    }

    private static async Task<decimal?> BalanceAsync(NpgsqlDataSource dataSource, string accountId)
    {
        await using var command = dataSource.CreateCommand("SELECT balance FROM billing.balances WHERE account_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        return await command.ExecuteScalarAsync(Token) is decimal balance ? balance : null;
    }

    private static async Task StoreEventually(Func<Task<bool>> condition, string what) =>
        await Workflow.TestUtilities.Poll.UntilAsync(condition, what, cancellationToken: Token);
}
