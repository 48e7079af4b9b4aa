using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Postgres.Tests.Infrastructure;

namespace Workflow.Postgres.Tests.Runtime;

/// <summary>
/// The happy path of a node that holds an instance: it runs every step from the state it keeps in memory, writing one
/// commit per step and reading the stream at most once (when it takes the instance), however many steps there are.
/// Every command the node sends is counted through Npgsql's tracing hooks on its own data source.
/// </summary>
/// <remarks>In the collection that runs alone: the count needs a process-wide listener of Npgsql's activity source.</remarks>
[Collection(ProcessCollection.Name)]
public sealed class MultiNodeReadTests(StoreFixture fixture, ITestOutputHelper output) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HeldInstance_RunsFortySteps_CommitsEachStepAndReadsNoStreamPerStep()
    {
        const int Steps = 40;
        var schema = fixture.NewSchemaName("reads");
        var counter = new CommandCounter(schema);
        var builder = new NpgsqlDataSourceBuilder(fixture.Database.ConnectionString) { Name = "counted" };
        builder.ConfigureTracing(tracing => tracing
            .ConfigureCommandFilter(command => counter.Count(command.CommandText))
            .ConfigureBatchFilter(batch =>
            {
                foreach (var command in batch.BatchCommands)
                {
                    counter.Count(command.CommandText);
                }

                return false;
            }));
        await using var dataSource = builder.Build();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
        };
        ActivitySource.AddActivityListener(listener);

        var shortOne = WorkflowDefinition.Create<int>("pg-reads-one").Then("only", x => x + 1).Build();
        var chain = WorkflowDefinition.Create<int>("pg-reads-many").Then("s00", x => x + 1);
        for (var i = 1; i < Steps; i++)
        {
            chain = chain.Then($"s{i:00}", x => x + 1);
        }

        var longOne = chain.Build();
        var hostBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        hostBuilder.Services
            .AddWorkflows(o => o.PollInterval = TimeSpan.FromMilliseconds(50))
            .AddWorkflow(shortOne)
            .AddWorkflow(longOne)
            .UsePostgres(dataSource, o => o.Schema = schema);
        using var host = hostBuilder.Build();
        await host.StartAsync(Token);
        try
        {
            var client = host.Services.GetRequiredService<IWorkflowClient>();
            var one = await RunAsync(client, shortOne, "one", counter, schema);
            var many = await RunAsync(client, longOne, "many", counter, schema);

            output.WriteLine($"1 step: {one.Reads} stream read(s), {one.Commits} commit(s); {Steps} steps: {many.Reads} stream read(s), {many.Commits} commit(s)");
            Assert.True(many.Commits >= Steps, $"{Steps} steps were committed in {many.Commits} commit(s).");
            Assert.True(many.Reads <= 1, $"{Steps} steps read the stream {many.Reads} times.");
            Assert.Equal(one.Reads, many.Reads);
        }
        finally
        {
            await host.StopAsync(Token);
        }
    }

    /// <summary>Starts an instance, waits (through another data source) until it completed, and returns the commands the
    /// node sent for it meanwhile.</summary>
    private async Task<(int Reads, int Commits)> RunAsync(
        IWorkflowClient client, WorkflowDefinition<int, int> definition, string instanceId, CommandCounter counter, string schema)
    {
        var (reads, commits) = counter.Snapshot();
        await client.StartAsync(definition, 0, new StartWorkflowOptions { InstanceId = instanceId }, Token);
        await StoreClock.EventuallyAsync(
            async () => await fixture.ScalarAsync<long>($"""SELECT count(*) FROM "{schema}".events WHERE stream_id = $1 AND type = 'workflow.completed.v1'""", instanceId) == 1,
            TimeSpan.FromMilliseconds(20),
            $"{instanceId} completed",
            Token);
        var (readsAfter, commitsAfter) = counter.Snapshot();
        return (readsAfter - reads, commitsAfter - commits);
    }

    /// <summary>Counts the commands of one data source that read a stream of the schema's journal or commit to it.
    /// Returns <see langword="false"/>, so no activity is recorded for them.</summary>
    private sealed class CommandCounter(string schema)
    {
        private readonly string _events = $"\"{schema}\".events";
        private int _reads;
        private int _commits;

        public bool Count(string sql)
        {
            if (sql.Contains(_events, StringComparison.Ordinal) && sql.Contains("WHERE stream_id = $1", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _reads);
            }
            else if (sql.Contains("apply_commit", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _commits);
            }

            return false;
        }

        public (int Reads, int Commits) Snapshot() => (Volatile.Read(ref _reads), Volatile.Read(ref _commits));
    }
}
