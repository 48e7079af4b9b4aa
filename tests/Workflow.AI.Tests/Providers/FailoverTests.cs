using Microsoft.Extensions.DependencyInjection;
using Workflow.AI.Tests.Infrastructure;
using Workflow.Definitions;
using Workflow.TestUtilities;
using static Workflow.AI.Tests.Infrastructure.AITest;

namespace Workflow.AI.Tests.Providers;

/// <summary>Failover chains over two local OpenAI-protocol servers, through the real OpenAI client library, on the
/// host's fake clock.</summary>
public sealed class FailoverTests
{
    // Shorter than the runtime's lease (30 s), so moving the clock past it does not expire the instance's lease.
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData("429")]
    [InlineData("500")]
    [InlineData("503")]
    [InlineData("timeout")]
    public async Task Failover_PrimaryRateLimitedFailingOrTimingOut_TheBackupAnswers(string failure)
    {
        await using var primary = await LocalServer.StartAsync();
        await using var backup = await LocalServer.StartAsync();
        primary.Enqueue(failure == "timeout" ? OpenAIWire.Hang() : OpenAIWire.Status(int.Parse(failure, System.Globalization.CultureInfo.InvariantCulture)));
        backup.Enqueue(OpenAIWire.Text("from the backup"));
        var definition = WorkflowDefinition.Create<string>("failover-" + failure).Prompt("p", q => q).Build();
        var (host, time) = await StartChainAsync(definition, primary, backup);
        await using var _ = host;

        var handle = await host.Client.StartAsync(definition, "q", cancellationToken: Token);
        if (failure == "timeout")
        {
            await Poll.UntilAsync(() => primary.Requests.Count == 1 && time.CountTimers(AttemptTimeout) >= 1, "the primary's attempt is on its timeout", cancellationToken: Token);
            time.Clock.Advance(AttemptTimeout);
        }

        Assert.Equal("from the backup", await handle.GetResultAsync(Token).OrHang());
        Assert.Single(primary.Requests);
        Assert.Single(backup.Requests);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    public async Task Failover_PrimaryRejectsTheRequest_DoesNotFailOverOrRetry_TheStepFailsWithTheProvidersError(int status)
    {
        await using var primary = await LocalServer.StartAsync();
        await using var backup = await LocalServer.StartAsync();
        primary.Enqueue(OpenAIWire.Status(status));
        var definition = WorkflowDefinition.Create<string>("no-failover-" + status).Prompt("p", q => q).Build();
        var (host, _) = await StartChainAsync(definition, primary, backup, retries: 2);
        await using var _ = host;

        var error = await Assert.ThrowsAsync<Workflow.Exceptions.WorkflowFailedException>(async () =>
            await (await host.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang());

        Assert.Equal("System.ClientModel.ClientResultException", error.Failure.ErrorType);
        Assert.Single(primary.Requests);
        Assert.Empty(backup.Requests);
    }

    [Fact]
    public async Task Failover_EveryProviderDown_FailsWithATypedErrorNamingEachProvidersFailure()
    {
        await using var primary = await LocalServer.StartAsync();
        await using var backup = await LocalServer.StartAsync();
        primary.Enqueue(OpenAIWire.Status(503));
        backup.Enqueue(OpenAIWire.Status(429));
        var definition = WorkflowDefinition.Create<string>("all-down").Prompt("p", q => q).Build();
        var (host, _) = await StartChainAsync(definition, primary, backup);
        await using var _ = host;

        var error = await Assert.ThrowsAsync<Workflow.Exceptions.WorkflowFailedException>(async () =>
            await (await host.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang());

        Assert.Equal(typeof(ChatProviderUnavailableException).FullName, error.Failure.ErrorType);
        Assert.Contains("No provider of the failover chain 'chain' answered (primary: HTTP 503; backup: HTTP 429)", error.Failure.Message, StringComparison.Ordinal);
        Assert.False(error.Failure.NonRetryable);
    }

    [Fact]
    public async Task Failover_RetryAfterLongerThanTheMostWaitedFor_FailsOverAtOnce()
    {
        await using var primary = await LocalServer.StartAsync();
        await using var backup = await LocalServer.StartAsync();
        primary.Enqueue(OpenAIWire.Status(429, retryAfter: "3600"));
        backup.Enqueue(OpenAIWire.Text("no waiting"));
        var definition = WorkflowDefinition.Create<string>("long-retry-after").Prompt("p", q => q).Build();
        var (host, _) = await StartChainAsync(definition, primary, backup, retries: 3);
        await using var _ = host;

        Assert.Equal("no waiting", await (await host.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang());
        Assert.Single(primary.Requests);
    }

    [Fact]
    public async Task Failover_PrimaryRetriedFirst_ThenTheBackupAnswers()
    {
        await using var primary = await LocalServer.StartAsync();
        await using var backup = await LocalServer.StartAsync();
        primary.Enqueue(OpenAIWire.Status(500), OpenAIWire.Status(502));
        backup.Enqueue(OpenAIWire.Text("from the backup"));
        var definition = WorkflowDefinition.Create<string>("retry-then-failover").Prompt("p", q => q).Build();
        var (host, _) = await StartChainAsync(definition, primary, backup, retries: 1);
        await using var _ = host;

        Assert.Equal("from the backup", await (await host.Client.StartAsync(definition, "q", cancellationToken: Token)).GetResultAsync(Token).OrHang());
        Assert.Equal(2, primary.Requests.Count);
    }

    [Fact]
    public async Task CircuitBreaker_OpensAfterFailures_LaterCallsSkipTheProviderUntilItCloses()
    {
        await using var primary = await LocalServer.StartAsync();
        await using var backup = await LocalServer.StartAsync();
        primary.Router = _ => OpenAIWire.Status(500);
        backup.Router = _ => OpenAIWire.Text("from the backup");
        var definition = WorkflowDefinition.Create<string>("circuit").Prompt("p", q => q).Build();
        var (host, time) = await StartChainAsync(definition, primary, backup, configure: o => o.Resilience.CircuitBreaker = new ChatCircuitBreakerOptions
        {
            MinimumThroughput = 2,
            FailureRatio = 0.5,
            SamplingDuration = TimeSpan.FromMinutes(1),
            BreakDuration = TimeSpan.FromMinutes(5),
        });
        await using var _ = host;

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("from the backup", await (await host.Client.StartAsync(definition, $"q{i}", cancellationToken: Token)).GetResultAsync(Token).OrHang());
        }

        var whileOpen = primary.Requests.Count;
        time.Clock.Advance(TimeSpan.FromMinutes(5));
        primary.Router = _ => OpenAIWire.Text("primary is back");
        var afterBreak = await (await host.Client.StartAsync(definition, "q5", cancellationToken: Token)).GetResultAsync(Token).OrHang();

        Assert.Equal(2, whileOpen);
        Assert.Equal(4, backup.Requests.Count);
        Assert.Equal("primary is back", afterBreak);
    }

    private static Task<(TestHost Host, TimerRecorder Time)> StartChainAsync(
        WorkflowDefinition definition, LocalServer primary, LocalServer backup, int retries = 0, Action<WorkflowAIOptions>? configure = null) =>
        ProviderHost.StartAsync(
            definition,
            b => b.AddOpenAI("primary", primary).AddOpenAI("backup", backup).AddChatFailover("chain", "primary", "backup"),
            o =>
            {
                o.DefaultProvider = "chain";
                o.Resilience.MaxRetryAttempts = retries;
                o.Resilience.AttemptTimeout = AttemptTimeout;
                configure?.Invoke(o);
            });
}
