using System.Diagnostics;
using System.Globalization;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Postgres.Worker;
using Workflow.Storage;

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
            nodes.Add(await WorkerProcess.StartAsync(connection, schema, "node-a", Lease, Poll, ["--max-concurrent", "8", "--stall-after", "10", "--trace", "true"], Token));
            nodes.Add(await WorkerProcess.StartAsync(connection, schema, "node-b", Lease, Poll, ["--max-concurrent", "8"], Token));
            nodes.Add(await WorkerProcess.StartAsync(connection, schema, "node-c", Lease, Poll, ["--max-concurrent", "8"], Token));
            var (victim, survivors) = (nodes[0], nodes[1..]);
            var ids = Enumerable.Range(0, Instances).Select(i => $"w-{i:0000}").ToList();
            var nodesStartedAfter = clock.Elapsed;
            await frontEnd.StartManyAsync(WorkerWorkflows.Work, ids, Token);
            var startedAfter = clock.Elapsed;

            await victim.WaitForLineAsync(l => l.StartsWith("stalled ", StringComparison.Ordinal), "a step is in flight", Token);

            await victim.KillAsync();
            var killedAfter = clock.Elapsed;

            await StoreClock.EventuallyAsync(
                async () => await frontEnd.ScalarAsync<long>($"""SELECT count(*) FROM "{schema}".events WHERE type = 'workflow.completed.v1'""") >= Instances,
                Poll,
                "every instance completed",
                Token);
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

            // The victim's leases, as it claimed and renewed them until it died: the last expiry it learned of for each
            // fencing token (a renewal that committed as it died could only have made a lease later still).
            var leases = victim.Lines
                .Where(l => l.StartsWith("leased ", StringComparison.Ordinal))
                .Select(l => l.Split(' ').Skip(1).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]))
                .GroupBy(f => (Instance: f["instance"], Token: long.Parse(f["token"], CultureInfo.InvariantCulture)))
                .ToDictionary(g => g.Key, g => g.Max(f => DateTime.Parse(f["until"], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)));

            // Side effects: every step ran; the steps that ran twice are exactly those the victim had in flight, its
            // run of them is not in the journal, and the second run is another node's, under a newer lease, after the
            // victim's lease expired.
            var effects = await frontEnd.QueryAsync($"""
                SELECT s.instance_id, s.step, s.node, s.fencing_token, s.at, e.data->>'output', s.lease_owner
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
                Assert.Equal("node-a", first[6]);
                Assert.True(leases.TryGetValue((group.Key.Item1, (long)first[3]!), out var until), $"{group.Key} ran on node-a under token {first[3]}, a lease it never claimed.");
                Assert.True((long)second[3]! > (long)first[3]!, $"{group.Key} ran again under an older lease.");
                Assert.True((DateTime)second[4]! >= until, $"{group.Key} ran again at {second[4]:O}, before node-a's lease expired at {until:O}.");
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

    [Fact]
    public async Task Zombie_NodePausedPastItsLeaseWithACommitInFlight_IsFencedOffWhenItContinuesAndWritesNothing()
    {
        const string Instance = "zombie-1";
        var schema = fixture.NewSchemaName("zombie");
        var connection = fixture.Database.ConnectionString;
        await using var frontEnd = await FrontEnd.StartAsync(connection, schema, Token);
        var nodes = new List<WorkerProcess>();
        try
        {
            // The zombie alone runs the instance's first step, sends its commit, and is paused (SIGSTOP) with the commit
            // still in its hands: no thread of it runs, no heartbeat renews its lease.
            var zombie = await WorkerProcess.StartAsync(connection, schema, "node-z", Lease, Poll, ["--hold-commit-of", Instance], Token);
            nodes.Add(zombie);
            await frontEnd.StartManyAsync(WorkerWorkflows.Work, [Instance], Token);
            var held = await zombie.WaitForLineAsync(l => l.StartsWith($"commit-held instance={Instance} ", StringComparison.Ordinal), "its first commit is held", Token);
            await zombie.PauseAsync();
            var heldEvents = held[(held.IndexOf("events=", StringComparison.Ordinal) + "events=".Length)..].Split(',').Select(Guid.Parse).ToList();
            var zombieToken = long.Parse(held.Split(' ').Single(p => p.StartsWith("token=", StringComparison.Ordinal))["token=".Length..], CultureInfo.InvariantCulture);

            // Its lease runs out while it sleeps; another node takes the instance over and finishes it.
            await StoreClock.EventuallyAsync(
                async () => await frontEnd.ScalarAsync<bool>($"""
                    SELECT coalesce(bool_and(available_at < now()), true) FROM "{schema}".work_items WHERE instance_id = $1 AND lease_owner = 'node-z'
                    """, Instance),
                Poll,
                "node-z's lease expired",
                Token);
            nodes.Add(await WorkerProcess.StartAsync(connection, schema, "node-b", Lease, Poll, cancellationToken: Token));
            await StoreClock.EventuallyAsync(
                async () => await frontEnd.ScalarAsync<long>($"""SELECT count(*) FROM "{schema}".events WHERE stream_id = $1 AND type = 'workflow.completed.v1'""", Instance) == 1,
                Poll,
                "node-b completed the instance",
                Token);

            // The zombie wakes up (SIGCONT) and its commit goes out: the store rejects its lease.
            await zombie.ContinueAsync();
            var result = await zombie.WaitForLineAsync(l => l.StartsWith($"commit-result instance={Instance} ", StringComparison.Ordinal), "its commit was answered", Token);
            await zombie.WaitForLineAsync(l => l.Contains("[1104]", StringComparison.Ordinal) && l.Contains(Instance, StringComparison.Ordinal), "it logged the lost lease", Token);
            Assert.Contains(zombie.Lines, l => l == $"commit-sent instance={Instance}");
            Assert.Equal($"commit-result instance={Instance} status={CommitStatus.LeaseLost}", result);

            // Nothing of the zombie is in the journal: node-b's run alone, each step once, none of the held events.
            var journal = await frontEnd.QueryAsync($"""
                SELECT version, event_id, type, data->>'path', data->>'output' FROM "{schema}".events WHERE stream_id = $1 ORDER BY version
                """, Instance);
            Assert.Equal(Enumerable.Range(1, journal.Count).Select(v => (long)v), journal.Select(r => (long)r[0]!));
            Assert.DoesNotContain(journal, r => heldEvents.Contains((Guid)r[1]!));
            Assert.Equal(["one", "two", "three"], journal.Where(r => (string)r[2]! == "step.completed.v1").Select(r => (string)r[3]!));
            Assert.All(journal.Where(r => (string)r[2]! is "step.completed.v1" or "workflow.completed.v1"), r => Assert.Equal("node-b", r[4]));
            Assert.Single(journal, r => (string)r[2]! == "workflow.completed.v1");
            Assert.Equal(0L, await frontEnd.ScalarAsync<long>($"""SELECT count(*) FROM "{schema}".work_items WHERE instance_id = $1""", Instance));

            // The zombie's side effect happened (outside the step's commit), under its own older lease; node-b ran the
            // step again under a newer one.
            var effects = await frontEnd.QueryAsync($"""
                SELECT node, fencing_token FROM "{schema}".side_effects WHERE instance_id = $1 AND step = 'one' ORDER BY id
                """, Instance);
            Assert.Equal(2, effects.Count);
            Assert.Equal(("node-z", zombieToken), ((string)effects[0][0]!, (long)effects[0][1]!));
            Assert.Equal("node-b", effects[1][0]);
            Assert.True((long)effects[1][1]! > zombieToken, $"node-b ran under token {effects[1][1]}, not newer than the zombie's {zombieToken}.");

            // And the zombie lives on: fenced off, not crashed.
            Assert.True(zombie.IsRunning, zombie.Output);
            output.WriteLine($"zombie token {zombieToken}, node-b token {effects[1][1]}; the zombie's commit of {heldEvents.Count} event(s) was answered {CommitStatus.LeaseLost}.");
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
