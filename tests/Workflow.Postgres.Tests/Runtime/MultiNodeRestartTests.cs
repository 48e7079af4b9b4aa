using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Postgres.Worker;

namespace Workflow.Postgres.Tests.Runtime;

/// <summary>
/// Three worker processes on a private PostgreSQL server that is crashed and restarted (<c>pg_ctl restart -m
/// immediate</c>) in the middle of a run: nothing is lost, and the nodes' listeners subscribe again, so wake-ups keep
/// arriving by <c>NOTIFY</c>.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class MultiNodeRestartTests(ITestOutputHelper output)
{
    private const string Schema = "wf_restart";
    private const string ListenerStarted = "Workflow.Postgres[2003]";
    private const int MaxLateStarts = 5;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Restart_ServerCrashesMidRunWithTimersPending_EveryWorkflowCompletesOnceAndNotifyWakesNodesAgain()
    {
        const int Work = 150;
        const int Timers = 50;
        await using var server = await PostgresServer.StartAsync(Token);
        var connection = server.ConnectionString;
        var nodes = new List<WorkerProcess>();
        FrontEnd? before = null;
        FrontEnd? after = null;
        try
        {
            before = await FrontEnd.StartAsync(connection, Schema, Token);
            foreach (var node in new[] { "node-a", "node-b", "node-c" })
            {
                nodes.Add(await WorkerProcess.StartAsync(connection, Schema, node, Lease, Poll, ["--max-concurrent", "8", "--trace", "true"], Token));
            }

            await before.StartManyAsync(WorkerWorkflows.Timer, Enumerable.Range(0, Timers).Select(i => $"timer-{i:000}"), Token);
            await before.StartManyAsync(WorkerWorkflows.Work, Enumerable.Range(0, Work).Select(i => $"work-{i:000}"), Token);

            // The crash comes while some instances are done, some run, and some sleep on their durable timer.
            var waiting = 0L;
            var completedBefore = 0L;
            await StoreClock.EventuallyAsync(
                async () =>
                {
                    waiting = await before.ScalarAsync<long>($"""
                        SELECT count(*) FROM "{Schema}".events AS s
                         WHERE s.type = 'timer.started.v1'
                           AND NOT EXISTS (SELECT 1 FROM "{Schema}".events AS f WHERE f.stream_id = s.stream_id AND f.type = 'timer.fired.v1')
                        """);
                    completedBefore = await before.ScalarAsync<long>($"""SELECT count(*) FROM "{Schema}".events WHERE type = 'workflow.completed.v1'""");
                    return waiting > 0 && completedBefore > 0;
                },
                Poll,
                "some instances completed and some wait on their timer",
                Token);
            var listenersBefore = nodes.ToDictionary(n => n.NodeId, n => n.Count(IsListenerStarted));
            await server.RestartImmediateAsync(Token);

            // Every node's listener subscribes again on its own.
            foreach (var node in nodes)
            {
                await node.WaitForCountAsync(IsListenerStarted, listenersBefore[node.NodeId] + 1, "its listener subscribed again after the restart", Token);
            }

            // A front end with fresh connections follows the run to its end.
            after = await FrontEnd.StartAsync(connection, Schema, Token);
            await StoreClock.EventuallyAsync(
                async () => await after.ScalarAsync<long>($"""SELECT count(*) FROM "{Schema}".events WHERE type = 'workflow.completed.v1'""") == Work + Timers,
                Poll,
                "every instance completed after the restart",
                Token);

            // A wake-up by NOTIFY after the restart: two nodes go, and the third is idle, its listener long reconnected.
            // Whatever wakes its dispatcher now (a work-signal line, printed only when the store signals, never when the
            // poll interval ends) is a notification from another node: it schedules nothing itself, and its listener
            // does not start again (checked below). A notification that arrives while the dispatcher is claiming rather
            // than waiting wakes nothing (the poll picks the instance up), so instances are started one at a time until
            // one notification has been seen, five at most.
            await nodes[0].KillAsync();
            await nodes[1].KillAsync();
            var last = nodes[2];
            var listeners = last.Count(IsListenerStarted);
            var mark = last.Lines.Count;
            var signals = last.Count(IsWorkSignal);
            var late = new List<string>();
            for (var attempt = 0; attempt < MaxLateStarts && last.Count(IsWorkSignal) == signals; attempt++)
            {
                var id = $"after-restart-{attempt}";
                late.Add(id);
                await after.StartManyAsync(WorkerWorkflows.Work, [id], Token);
                await StoreClock.EventuallyAsync(
                    async () => await after.ScalarAsync<long>($"""SELECT count(*) FROM "{Schema}".events WHERE stream_id = $1 AND type = 'workflow.completed.v1'""", id) == 1,
                    Poll,
                    $"{id}, started after the restart, completed",
                    Token);
            }

            Assert.True(last.Count(IsWorkSignal) > signals, $"No notification woke {last.NodeId} for {late.Count} instances started after the restart.{Environment.NewLine}{last.Output}");
            Assert.Equal(listeners, last.Count(IsListenerStarted));
            Assert.All(late, id => Assert.Contains(last.Lines, l => l.StartsWith($"leased instance={id} ", StringComparison.Ordinal)));

            // Each instance completed once, each step is journaled once, and nothing failed.
            var journal = await after.QueryAsync($"""
                SELECT count(*) FILTER (WHERE type = 'workflow.completed.v1'),
                       count(DISTINCT stream_id) FILTER (WHERE type = 'workflow.completed.v1'),
                       count(*) FILTER (WHERE type = 'step.completed.v1'),
                       count(DISTINCT (stream_id, data->>'path')) FILTER (WHERE type = 'step.completed.v1'),
                       count(*) FILTER (WHERE type IN ('workflow.failed.v1', 'step.failed.v1')),
                       count(*) FILTER (WHERE type = 'timer.fired.v1')
                  FROM "{Schema}".events
                """);
            long instances = Work + Timers + late.Count, steps = ((long)Work + late.Count) * 3 + Timers * 2L;
            Assert.Equal<object?[]>([instances, instances, steps, steps, 0L, (long)Timers], journal[0]);
            Assert.Equal(0L, await after.ScalarAsync<long>($"""SELECT count(*) FROM "{Schema}".work_items"""));

            var signalled = last.Lines.Skip(mark).ToList();
            output.WriteLine(
                $"crashed with {completedBefore} of {Work + Timers} completed and {waiting} on their timer; all completed after the restart; "
                + $"{late.Count} instance(s) started afterwards ran on {last.NodeId}, which was woken by {signalled.Count(IsWorkSignal)} notification(s):");
            output.WriteLine(string.Join(Environment.NewLine, signalled.Where(l => IsWorkSignal(l) || l.StartsWith("leased instance=after-restart", StringComparison.Ordinal))));
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

            if (after is not null)
            {
                await after.DisposeAsync();
            }

            if (before is not null)
            {
                await before.DisposeAsync();
            }
        }
    }

    private static bool IsListenerStarted(string line) => line.Contains(ListenerStarted, StringComparison.Ordinal);

    private static bool IsWorkSignal(string line) => line == "work-signal";
}
