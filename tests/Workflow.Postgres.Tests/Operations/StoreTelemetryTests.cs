using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Workflow.Postgres.Internal;
using Workflow.Postgres.Storage;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using Workflow.Telemetry;

namespace Workflow.Postgres.Tests.Operations;

public sealed class StoreTelemetryTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CommitsAndClaims_RecordDurationsOutcomesAndSpansTaggedWithTheSchema()
    {
        var schema = fixture.NewSchemaName("telemetry");
        var store = fixture.CreateStore(schema);
        using var commits = new MetricCollector<double>(StoreInstrumentation.CommitDuration);
        using var claims = new MetricCollector<double>(StoreInstrumentation.ClaimDuration);
        using var claimed = new MetricCollector<long>(StoreInstrumentation.Claimed);
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WorkflowTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem(PostgresStoreTelemetry.SchemaTag), schema))
                {
                    lock (spans)
                    {
                        spans.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var id = "telemetry-" + Guid.NewGuid();

        var eventId = Guid.NewGuid();
        await store.CommitAsync(Start(id, eventId), Token);
        await store.CommitAsync(Start(id, eventId), Token);
        Assert.Single(await store.ClaimAsync("node", 10, TimeSpan.FromMinutes(1), Token));

        var outcomes = commits.GetMeasurementSnapshot().Where(m => Equals(m.Tags[PostgresStoreTelemetry.SchemaTag], schema))
            .Select(m => m.Tags[PostgresStoreTelemetry.OutcomeTag]).ToList();
        Assert.Equal(["committed", "already_committed"], outcomes);
        Assert.Single(claims.GetMeasurementSnapshot(), m => Equals(m.Tags[PostgresStoreTelemetry.SchemaTag], schema));
        Assert.Equal(1, claimed.GetMeasurementSnapshot().Where(m => Equals(m.Tags[PostgresStoreTelemetry.SchemaTag], schema)).Sum(m => m.Value));
        lock (spans)
        {
            Assert.Equal(2, spans.Count(s => s.OperationName == PostgresStoreTelemetry.CommitSpan && Equals(s.GetTagItem("workflow.instance.id"), id)));
            var claim = Assert.Single(spans, s => s.OperationName == PostgresStoreTelemetry.ClaimSpan);
            Assert.Equal(1, claim.GetTagItem("workflow.store.claimed"));
        }
    }

    private static WorkflowCommit Start(string id, Guid eventId) => new()
    {
        InstanceId = id,
        ExpectedVersion = ExpectedVersion.NoStream,
        Events = [new EventData(eventId, "test.started.v1", "{}"u8.ToArray())],
        Schedule = [new ScheduledWork(id)],
    };
}
