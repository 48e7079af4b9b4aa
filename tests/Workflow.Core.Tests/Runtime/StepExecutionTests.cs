using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Retry;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.Steps;
using Workflow.TestUtilities;
using Xunit;

namespace Workflow.Tests.Runtime;

public sealed class StepExecutionTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Then_SyncAsyncPassThroughAndStepClass_RunInOrderAndJournalEachOutput()
    {
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<int>("then-kinds")
            .Then("sync", x => x * 2)
            .Then("async", async (x, context, ct) =>
            {
                await Task.Yield();
                return x + 1;
            })
            .Then("side-effect", (x, context, ct) =>
            {
                probe.Hit("side-effect:" + x);
                return Task.CompletedTask;
            })
            .Then<FormatStep, string>("format")
            .Build();
        await using var host = await TestHost.StartAsync(
            b => b.AddWorkflow(definition), services: s => s.AddScoped<Prefix>().AddSingleton(probe), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 20, cancellationToken: Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal("#41", result);
        Assert.Equal(1, probe.Count("side-effect:41"));
        Assert.Equal(1, probe.Count("step-disposed"));
        var outputs = (await handle.GetHistoryAsync(Token)).OfType<StepCompletedEvent>().ToDictionary(e => e.StepPath, e => e.Output.GetRawText());
        Assert.Equal(new Dictionary<string, string> { ["sync"] = "40", ["async"] = "41", ["side-effect"] = "41", ["format"] = "\"#41\"" }, outputs);
    }

    [Fact]
    public async Task StepContext_GivesIdentityInputEarlierOutputsAndAttachesMetadata()
    {
        StepContext? seen = null;
        var definition = WorkflowDefinition.Create<Order>("context")
            .Then("price", order => order.Quantity * 10)
            .Then("inspect", (price, context, ct) =>
            {
                seen = context;
                context.SetMetadata("tokens.input", "12");
                var order = context.GetWorkflowInput<Order>();
                var fromStep = context.GetStepOutput<int>("price");
                var missing = context.TryGetStepOutput<int>("later", out _);
                return Task.FromResult($"{order.Id}:{fromStep}:{missing}:{context.StepPath}:{context.Attempt}:{context.IdempotencyKey}");
            })
            .Then("later", text => text)
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, new Order("o-1", 3), new StartWorkflowOptions { InstanceId = "ctx-1" }, Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal("o-1:30:False:inspect:1:ctx-1/inspect", result);
        Assert.Equal("context", seen!.WorkflowName);
        Assert.Equal(1, seen.WorkflowVersion);
        Assert.Equal("inspect", seen.StepName);
        Assert.Same(host.Clock, seen.TimeProvider);
        var completed = (await handle.GetHistoryAsync(Token)).OfType<StepCompletedEvent>().Single(e => e.StepPath == "inspect");
        Assert.Equal("12", completed.Metadata["tokens.input"]);
    }

    [Fact]
    public async Task GetStepOutput_UnknownStep_ThrowsAndFailsTheStepWithAClearMessage()
    {
        var definition = WorkflowDefinition.Create<int>("missing-output")
            .Then("read", (x, context, ct) => Task.FromResult(context.GetStepOutput<int>("nope")))
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 1, cancellationToken: Token);
        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal(typeof(InvalidOperationException).FullName, failed.Failure.ErrorType);
        Assert.Contains("Step 'nope' has not completed", failed.Failure.Message, StringComparison.Ordinal);
        Assert.Equal("read", failed.Failure.StepPath);
    }

    [Fact]
    public async Task Retry_StepFailsTwice_RetriesWithExponentialBackoffOnTheFakeClockAndJournalsEachAttempt()
    {
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<int>("retry")
            .Then("flaky", (x, context, ct) =>
            {
                var attempt = probe.Hit("flaky");
                probe.Hit($"attempt:{context.Attempt}:{context.IdempotencyKey}");
                return attempt < 3 ? throw new TimeoutException($"attempt {attempt} timed out") : Task.FromResult(x + attempt);
            }, new StepOptions
            {
                Retry = new RetryStrategyOptions { MaxRetryAttempts = 5, Delay = TimeSpan.FromSeconds(1), BackoffType = DelayBackoffType.Exponential },
            })
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 10, new StartWorkflowOptions { InstanceId = "retry-1" }, Token);
        await Poll.UntilAsync(() => probe.Count("flaky") == 1, "the first attempt ran", cancellationToken: Token);
        host.Clock.Advance(TimeSpan.FromMilliseconds(999));
        await Poll.UntilAsync(async () => (await handle.GetHistoryAsync(Token)).OfType<StepAttemptFailedEvent>().Any(), "the failed attempt is journaled", cancellationToken: Token);
        Assert.Equal(1, probe.Count("flaky"));
        await Poll.UntilAsync(() => probe.Count("flaky") == 3, "all attempts ran", () => host.Clock.Advance(TimeSpan.FromMilliseconds(500)), Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal(13, result);
        var history = await handle.GetHistoryAsync(Token);
        var failures = history.OfType<StepAttemptFailedEvent>().ToList();
        Assert.Equal([1, 2], failures.Select(f => f.Attempt));
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], failures.Select(f => f.RetryDelay));
        Assert.All(failures, f => Assert.Equal(typeof(TimeoutException).FullName, f.Failure.ErrorType));
        Assert.Equal(3, history.OfType<StepCompletedEvent>().Single().Attempt);
        Assert.Equal(1, probe.Count("attempt:1:retry-1/flaky"));
        Assert.Equal(1, probe.Count("attempt:3:retry-1/flaky"));
    }

    [Fact]
    public async Task Timeout_StepExceedsItsTimeout_IsCanceledRetriedAndFailsWithTheTimeoutRecorded()
    {
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<int>("timeout")
            .WithDefaultStepOptions(new StepOptions
            {
                Timeout = TimeSpan.FromSeconds(5),
                Retry = new RetryStrategyOptions { MaxRetryAttempts = 1, Delay = TimeSpan.FromSeconds(1) },
            })
            .Then("slow", async (x, context, ct) =>
            {
                probe.Hit("slow");
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, context.TimeProvider, ct);
                }
                catch (OperationCanceledException)
                {
                    probe.Hit("canceled");
                    throw;
                }

                return x;
            })
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 1, cancellationToken: Token);
        await Poll.UntilAsync(() => probe.Count("slow") == 1, "the first attempt started", cancellationToken: Token);
        host.Clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, probe.Count("canceled"));
        var failed = await Poll.UntilAsync(
            async () => (await handle.GetHistoryAsync(Token)).OfType<WorkflowFailedEvent>().FirstOrDefault(),
            "the instance failed",
            () => host.Clock.Advance(TimeSpan.FromSeconds(1)),
            Token);

        Assert.Equal(2, probe.Count("slow"));
        Assert.Equal(2, probe.Count("canceled"));
        Assert.Equal("Polly.Timeout.TimeoutRejectedException", failed.Failure.ErrorType);
        Assert.Equal("slow", failed.Failure.StepPath);
        var exception = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());
        Assert.Contains("failed at step 'slow'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failure_StepThrowsAfterRetries_FailsTheInstanceWithTheErrorRecordedAsData()
    {
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<int>("fails")
            .Then("charge", (x, context, ct) =>
            {
                probe.Hit("charge");
                throw new StepFailedException("PaymentDeclined", "card declined", new InvalidOperationException("issuer said no")) { Details = """{"code":51}""" };
#pragma warning disable CS0162 // the lambda must return Task<int>
                return Task.FromResult(x);
#pragma warning restore CS0162
            }, new StepOptions { Retry = new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero } })
            .Then("never", x => x)
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 1, cancellationToken: Token);
        var exception = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal(3, probe.Count("charge"));
        Assert.Equal(handle.InstanceId, exception.InstanceId);
        var failure = exception.Failure;
        Assert.Equal("PaymentDeclined", failure.ErrorType);
        Assert.Equal("card declined", failure.Message);
        Assert.Equal("""{"code":51}""", failure.Details);
        Assert.Equal("charge", failure.StepPath);
        Assert.Equal(typeof(InvalidOperationException).FullName, failure.Cause!.ErrorType);
        Assert.Contains("StepExecutionTests", failure.StackTrace, StringComparison.Ordinal);
        var history = await handle.GetHistoryAsync(Token);
        Assert.Equal(
            ["workflow.started.v1", "step.attempt_failed.v1", "step.attempt_failed.v1", "step.failed.v1", "workflow.failed.v1"],
            history.Select(e => e.EventType));
        Assert.Equal(3, history.OfType<StepFailedEvent>().Single().Attempt);
        Assert.Equal(WorkflowStatus.Failed, (await handle.GetInfoAsync(Token)).Status);

        var raw = await host.Store.ReadStreamAsync(handle.InstanceId, 5, Workflow.Storage.ReadDirection.Forward, 1, Token);
        using var json = JsonDocument.Parse(raw[0].Data);
        Assert.Equal(["type", "message", "stackTrace", "details", "stepPath", "cause"], json.RootElement.GetProperty("failure").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Failure_NonRetryableError_IsNotRetried()
    {
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<int>("non-retryable")
            .Then("validate", (x, context, ct) =>
            {
                probe.Hit("validate");
                return Task.FromException<int>(new StepFailedException("Invalid", "bad input") { NonRetryable = true });
            }, new StepOptions { Retry = new RetryStrategyOptions { MaxRetryAttempts = 5, Delay = TimeSpan.Zero } })
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 1, cancellationToken: Token);
        var exception = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal(1, probe.Count("validate"));
        Assert.True(exception.Failure.NonRetryable);
    }

    [Fact]
    public async Task Failure_OutputThatCannotBeSerialized_FailsTheInstanceWithoutRetryOrPartialWrite()
    {
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<int>("unserializable")
            .Then("cycle", x =>
            {
                probe.Hit("cycle");
                var node = new Node { Value = x };
                node.Next = node;
                return node;
            }, new StepOptions { Retry = new RetryStrategyOptions { MaxRetryAttempts = 3, Delay = TimeSpan.Zero } })
            .Then("never", node => node.Value)
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 1, cancellationToken: Token);
        var exception = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal(1, probe.Count("cycle"));
        Assert.Equal(typeof(WorkflowSerializationException).FullName, exception.Failure.ErrorType);
        Assert.Contains("The output of step 'cycle' (Node) cannot be serialized", exception.Failure.Message, StringComparison.Ordinal);
        Assert.True(exception.Failure.NonRetryable);
        Assert.DoesNotContain(await handle.GetHistoryAsync(Token), e => e is StepCompletedEvent);
    }

    [Fact]
    public async Task RunOnce_StepRetriedAfterTwoSubCalls_ReplaysThemInsteadOfRepeating()
    {
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<string>("run-once")
            .Then("agent", async (prompt, context, ct) =>
            {
                var first = await context.RunOnceAsync("model-call-1", async token =>
                {
                    probe.Hit("model-call-1");
                    await Task.Yield();
                    return new Reply($"{prompt}-a", 7);
                }, ct);
                var second = await context.RunOnceAsync("model-call-2", token => Task.FromResult(new Reply($"{prompt}-b", probe.Hit("model-call-2"))), ct);
                if (probe.Hit("agent") == 1)
                {
                    throw new InvalidOperationException("crashed after two journaled calls");
                }

                return $"{first.Text}|{second.Text}|{first.Tokens + second.Tokens}";
            }, new StepOptions { Retry = new RetryStrategyOptions { MaxRetryAttempts = 1, Delay = TimeSpan.Zero } })
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, "hi", cancellationToken: Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal("hi-a|hi-b|8", result);
        Assert.Equal(2, probe.Count("agent"));
        Assert.Equal(1, probe.Count("model-call-1"));
        Assert.Equal(1, probe.Count("model-call-2"));
        var subResults = (await handle.GetHistoryAsync(Token)).OfType<StepSubResultRecordedEvent>().ToList();
        Assert.Equal(["model-call-1", "model-call-2"], subResults.Select(s => s.Key));
        Assert.All(subResults, s => Assert.Equal("agent", s.StepPath));
    }

    [Fact]
    public async Task Emit_ProgressFromAStep_ReachesAWatcherBeforeTheStepCompletes()
    {
        var probe = new Probe();
        probe.Close("watching");
        probe.Close("finish");
        var definition = WorkflowDefinition.Create<int>("emit")
            .Then("stream", async (x, context, ct) =>
            {
                await probe.WaitAsync("watching", ct);
                context.Emit("starting");
                context.Emit("token-1", callId: "call-1");
                context.EmitReset("call-1");
                await probe.WaitAsync("finish", ct);
                return x;
            })
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await host.Client.StartAsync(definition, 5, new StartWorkflowOptions { InstanceId = "emit-1" }, Token);

        using var cap = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cap.CancelAfter(Poll.Cap);
        var updates = new List<WorkflowUpdate>();
        await foreach (var update in handle.WatchAsync(cancellationToken: cap.Token))
        {
            updates.Add(update);
            if (update is WorkflowStartedEvent)
            {
                probe.Open("watching");
            }

            if (update is StepStreamResetUpdate)
            {
                probe.Open("finish");
            }
        }

        var progress = updates.OfType<StepProgressUpdate>().ToList();
        Assert.Equal(["starting", null], progress.Select(p => p.Message));
        Assert.Equal("token-1", progress[1].Data);
        Assert.Equal("call-1", progress[1].CallId);
        Assert.All(progress, p => Assert.Equal("stream", p.StepPath));
        var reset = Assert.Single(updates.OfType<StepStreamResetUpdate>());
        Assert.True(updates.IndexOf(reset) < updates.FindIndex(u => u is StepCompletedEvent));
        Assert.IsType<WorkflowCompletedEvent>(updates[^1]);
    }

    public sealed record Order(string Id, int Quantity);

    public sealed record Reply(string Text, int Tokens);

    public sealed class Node
    {
        public int Value { get; set; }

        public Node? Next { get; set; }
    }

    public sealed class Prefix
    {
        public string Value => "#";
    }

    public sealed class FormatStep(Prefix prefix, Probe probe) : IWorkflowStep<int, string>, IDisposable
    {
        public ValueTask<string> ExecuteAsync(int input, StepContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult(prefix.Value + input);

        public void Dispose() => probe.Hit("step-disposed");
    }
}
