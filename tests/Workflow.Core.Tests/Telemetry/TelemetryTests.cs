using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.Storage.InMemory;
using Workflow.Telemetry;
using Workflow.Tests.Runtime;
using Workflow.TestUtilities;
using Xunit;

namespace Workflow.Tests.Telemetry;

public sealed class TelemetryTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public TelemetryTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WorkflowTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Spans_SuccessfulInstance_FormARunSpanUnderTheStartWithAChildSpanPerStep()
    {
        var definition = WorkflowDefinition.Create<int>("telemetry-ok").Then("a", x => x + 1).Then("b", x => x + 1).Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        await (await host.Client.StartAsync(definition, 1, cancellationToken: Token)).GetResultAsync(Token).OrHang();
        var run = await SpanAsync("run_workflow telemetry-ok");

        var start = Spans("start_workflow telemetry-ok").Single();
        var steps = _stopped.Where(a => a.ParentSpanId == run.SpanId).ToList();
        Assert.Equal(ActivityKind.Producer, start.Kind);
        Assert.Equal(start.TraceId, run.TraceId);
        Assert.Equal(start.SpanId, run.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Ok, run.Status);
        Assert.Equal(["execute_step a", "execute_step b"], steps.Select(s => s.DisplayName).Order());
        Assert.All(steps, s => Assert.Equal(ActivityStatusCode.Ok, s.Status));
        Assert.Equal("telemetry-ok", run.GetTagItem("workflow.name"));
        Assert.Equal("b", steps.Single(s => s.DisplayName == "execute_step b").GetTagItem("workflow.step.path"));
    }

    [Fact]
    public async Task Spans_FailedInstance_HaveErrorStatusAndRecordTheException()
    {
        var definition = WorkflowDefinition.Create<int>("telemetry-failed")
            .Then<int>("boom", (x, context, ct) => throw new StepFailedException("Boom", "it broke") { NonRetryable = true })
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 1, cancellationToken: Token);
        await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());
        var run = await SpanAsync("run_workflow telemetry-failed");

        var step = _stopped.Single(a => a.ParentSpanId == run.SpanId);
        Assert.Equal(ActivityStatusCode.Error, run.Status);
        Assert.Equal("it broke", run.StatusDescription);
        Assert.Equal(ActivityStatusCode.Error, step.Status);
        Assert.Contains(step.Events, e => e.Name == "exception");
    }

    [Fact]
    public async Task Metrics_CountStartsCompletionsFailuresAndStepDurations_WithoutInstanceIds()
    {
        using var started = new MetricCollector<long>(WorkflowInstrumentation.Started);
        using var completed = new MetricCollector<long>(WorkflowInstrumentation.Completed);
        using var failed = new MetricCollector<long>(WorkflowInstrumentation.Failed);
        using var durations = new MetricCollector<double>(WorkflowInstrumentation.StepDuration);
        var ok = WorkflowDefinition.Create<int>("metrics-ok").Then("step", x => x).Build();
        var bad = WorkflowDefinition.Create<int>("metrics-bad").Then<int>("step", (x, context, ct) => throw new InvalidOperationException("no")).Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(ok).AddWorkflow(bad), cancellationToken: Token);

        await (await host.Client.StartAsync(ok, 1, cancellationToken: Token)).GetResultAsync(Token).OrHang();
        await (await host.Client.StartAsync(ok, 2, cancellationToken: Token)).GetResultAsync(Token).OrHang();
        var failing = await host.Client.StartAsync(bad, 1, cancellationToken: Token);
        await Assert.ThrowsAsync<WorkflowFailedException>(() => failing.GetResultAsync(Token).OrHang());
        await Poll.UntilAsync(() => Of(failed, "metrics-bad").Any(), "the failure is counted", cancellationToken: Token);

        Assert.Equal(2, Of(started, "metrics-ok").Sum(m => m.Value));
        Assert.Equal(2, Of(completed, "metrics-ok").Sum(m => m.Value));
        var failure = Assert.Single(Of(failed, "metrics-bad"));
        Assert.Equal(typeof(InvalidOperationException).FullName, failure.Tags["error.type"]);
        var steps = durations.GetMeasurementSnapshot().Where(m => Equals(m.Tags["workflow.name"], "metrics-ok")).ToList();
        Assert.Equal(2, steps.Count);
        Assert.All(steps, m => Assert.Equal("completed", m.Tags["workflow.step.outcome"]));
        Assert.Equal("failed", durations.GetMeasurementSnapshot().Single(m => Equals(m.Tags["workflow.name"], "metrics-bad")).Tags["workflow.step.outcome"]);
        var everyTag = started.GetMeasurementSnapshot().Concat(completed.GetMeasurementSnapshot()).Concat(failed.GetMeasurementSnapshot()).SelectMany(m => m.Tags.Keys)
            .Concat(durations.GetMeasurementSnapshot().SelectMany(m => m.Tags.Keys));
        Assert.DoesNotContain("workflow.instance.id", everyTag);
    }

    [Fact]
    public async Task Spans_InstanceResumedByAnotherRuntime_ContinueTheSameTrace()
    {
        var probe = new Probe();
        probe.Close("first-charge");
        var storeClock = new FakeTimeProvider(TestHost.Epoch);
        var store = new InMemoryWorkflowStore(storeClock);
        var node1 = await RecoveryTests.StartNodeInChargeAsync(probe, "telemetry-crash", store, "trace-1", new FakeTimeProvider(TestHost.Epoch));

        await using var node2 = await TestHost.StartAsync(
            b => b.AddWorkflow(RecoveryTests.CountingWorkflow(probe, "telemetry-crash")).UseInMemoryStore(store), clock: storeClock, cancellationToken: Token);
        storeClock.Advance(TimeSpan.FromSeconds(31));
        await node2.Client.GetResultAsync<int>("trace-1", Token).OrHang();
        probe.Open("first-charge");
        await Poll.UntilAsync(() => Spans("run_workflow telemetry-crash").Count == 2, "both runs ended", cancellationToken: Token);

        var start = Spans("start_workflow telemetry-crash").Single();
        var runs = Spans("run_workflow telemetry-crash");
        var resumed = runs.Single(r => r.Status == ActivityStatusCode.Ok);
        var abandoned = runs.Single(r => r.Status == ActivityStatusCode.Error);
        Assert.All(runs, r => Assert.Equal(start.TraceId, r.TraceId));
        Assert.All(runs, r => Assert.Equal(start.SpanId, r.ParentSpanId));
        Assert.Equal("lease lost", abandoned.StatusDescription);
        Assert.Equal(["execute_step charge", "execute_step ship"], _stopped.Where(a => a.ParentSpanId == resumed.SpanId).Select(a => a.DisplayName).Order());
        await node1.DisposeAsync();
    }

    private List<Activity> Spans(string name) => [.. _stopped.Where(a => a.DisplayName == name)];

    private async Task<Activity> SpanAsync(string name)
    {
        await Poll.UntilAsync(() => Spans(name).Count > 0, $"span '{name}' ended", cancellationToken: Token);
        return Spans(name).Single();
    }

    private static IEnumerable<CollectedMeasurement<long>> Of(MetricCollector<long> collector, string workflow) =>
        collector.GetMeasurementSnapshot().Where(m => Equals(m.Tags["workflow.name"], workflow));
}
