using System.Diagnostics;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Postgres.Worker;

namespace Workflow.Postgres.Tests.Runtime;

/// <summary>
/// Several worker processes share one database: a node killed with SIGKILL mid-step is replaced once its lease expires,
/// and a node paused past its lease can write nothing when it comes back.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class MultiNodeTests(StoreFixture fixture, ITestOutputHelper output) : IClassFixture<StoreFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Kill9_OneOfThreeNodesDiesMidStep_AllThousandCompleteOnceAndOnlyItsStepsInFlightRanTwice()
    {
        const int Instances = 1000;
        var schema = fixture.NewSchemaName("kill");
        var connection = fixture.Database.ConnectionString;
        var clock = Stopwatch.StartNew();
        await using var frontEnd = await FrontEnd.StartAsync(connection, schema, Token);
        var nodes = new List<WorkerProcess>();
        try
        {
            // node-a stalls every step it starts after it has finished ten instances: a call that hangs, in flight
            // until the process dies.
            nodes.Add(await WorkerProcess.StartAsync(connection, schema, "node-a", Lease, Poll, ["--max-concurrent", "8", "--stall-after", "10"], Token));
            nodes.Add(await WorkerProcess.StartAsync(connection, schema, "node-b", Lease, Poll, ["--max-concurrent", "8"], Token));
            nodes.Add(await WorkerProcess.StartAsync(connection, schema, "node-c", Lease, Poll, ["--max-concurrent", "8"], Token));
            var (victim, survivors) = (nodes[0], nodes[1..]);
            var ids = Enumerable.Range(0, Instances).Select(i => $"w-{i:0000}").ToList();
            var nodesStartedAfter = clock.Elapsed;
            await frontEnd.StartManyAsync(WorkerWorkflows.Work, ids, Token);
            var startedAfter = clock.Elapsed;

            await victim.WaitForLineAsync(l => l.StartsWith("stalled ", StringComparison.Ordinal), "a step is in flight", Token);

            // The victim's leases as they stand: they only get later until it dies, and nobody may take one before it expires.
            var leases = (await frontEnd.QueryAsync($"""SELECT instance_id, fencing_token, available_at FROM "{schema}".work_items WHERE lease_owner = 'node-a'"""))
                .ToDictionary(r => (string)r[0]!, r => (Token: (long)r[1]!, Until: (DateTime)r[2]!));
            await victim.KillAsync();
            var killedAfter = clock.Elapsed;

            await Workflow.TestUtilities.Poll.UntilAsync(
                async () => await frontEnd.ScalarAsync<long>($"""SELECT count(*) FROM "{schema}".events WHERE type = 'workflow.completed.v1'""") >= Instances,
                "every instance completed",
                cancellationToken: Token);
            var finishedAfter = clock.Elapsed;

            // Journaled once: one completion per instance, one step completion per step.
            var completions = await frontEnd.QueryAsync($"""
                SELECT data->>'output', count(*), count(DISTINCT stream_id) FROM "{schema}".events WHERE type = 'workflow.completed.v1' GROUP BY 1 ORDER BY 1
                """);
            Assert.Equal(["node-a", "node-b", "node-c"], completions.Select(r => (string)r[0]!));
            Assert.All(completions, r => Assert.Equal(r[1], r[2]));
            Assert.Equal(Instances, completions.Sum(r => (long)r[1]!));
            Assert.Equal(Instances * 3L, await frontEnd.ScalarAsync<long>($"""
                SELECT count(DISTINCT (stream_id, data->>'path')) FROM "{schema}".events WHERE type = 'step.completed.v1'
                """));
            Assert.Equal(Instances * 3L, await frontEnd.ScalarAsync<long>($"""SELECT count(*) FROM "{schema}".events WHERE type = 'step.completed.v1'"""));

            // Side effects: every step ran; the steps that ran twice are exactly those the victim had in flight, its
            // run of them is not in the journal, and the second run is another node's, under a newer lease, after the
            // victim's lease expired.
            var effects = await frontEnd.QueryAsync($"""
                SELECT s.instance_id, s.step, s.node, s.fencing_token, s.at, e.data->>'output'
                  FROM "{schema}".side_effects AS s
                  JOIN "{schema}".events AS e ON e.stream_id = s.instance_id AND e.type = 'step.completed.v1' AND e.data->>'path' = s.step
                 ORDER BY s.id
                """);
            Assert.Equal(Instances * 3L, await frontEnd.ScalarAsync<long>($"""SELECT count(DISTINCT (instance_id, step)) FROM "{schema}".side_effects"""));
            Assert.Equal(effects.Count, await frontEnd.ScalarAsync<long>($"""SELECT count(*) FROM "{schema}".side_effects"""));
            var inFlight = effects.Where(r => (string)r[2]! == "node-a" && (string)r[5]! != "node-a").Select(r => ((string)r[0]!, (string)r[1]!)).ToHashSet();
            var twice = effects.GroupBy(r => ((string)r[0]!, (string)r[1]!)).Where(g => g.Count() > 1).ToList();
            Assert.NotEmpty(inFlight);
            Assert.Equal(inFlight.Order(), twice.Select(g => g.Key).Order());
            foreach (var group in twice)
            {
                var (first, second) = (group.First(), group.Last());
                Assert.Equal(2, group.Count());
                Assert.Equal("node-a", first[2]);
                Assert.NotEqual("node-a", second[2]);
                Assert.Equal(second[2], second[5]);
                Assert.True(leases.TryGetValue(group.Key.Item1, out var lease), $"{group.Key} was in flight on node-a without its lease.");
                Assert.Equal(lease.Token, (long)first[3]!);
                Assert.True((long)second[3]! > lease.Token, $"{group.Key} ran again under an older lease.");
                Assert.True((DateTime)second[4]! >= lease.Until, $"{group.Key} ran again at {second[4]:O}, before node-a's lease expired at {lease.Until:O}.");
            }

            Assert.All(
                victim.Lines.Where(l => l.StartsWith("stalled ", StringComparison.Ordinal)),
                l => Assert.Contains(inFlight, k => l == $"stalled instance={k.Item1} step={k.Item2}"));
            Assert.All(survivors, n => Assert.DoesNotContain(n.Lines, l => l.Contains("[1104]", StringComparison.Ordinal)));
            output.WriteLine($"nodes running after {nodesStartedAfter.TotalSeconds:0.0} s, instances started after {startedAfter.TotalSeconds:0.0} s");
            output.WriteLine($"{Instances} instances on 3 nodes: node-a killed after {killedAfter.TotalSeconds:0.0} s with {inFlight.Count} step(s) in flight; all completed after {finishedAfter.TotalSeconds:0.0} s.");
        }
        catch
        {
            foreach (var node in nodes)
            {
                output.WriteLine(node.Output);
            }

            throw;
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}
