using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using Workflow.Client;
using Workflow.DependencyInjection;
using Workflow.Mcp.Server;
using Workflow.Mcp.TestServer;

namespace Workflow.Mcp.Tests.Infrastructure;

/// <summary>A real Kestrel server on 127.0.0.1 serving the test workflows over stateless Streamable HTTP, with a bearer
/// scheme whose tokens name the callers: <c>alice</c> (may start), <c>manager</c> (may also answer approvals) and
/// <c>stranger</c> (may not start).</summary>
public sealed class HttpWorkflowServer : IAsyncDisposable
{
    public const string BearerScheme = "TestBearer";

    private readonly WebApplication _app;

    private HttpWorkflowServer(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public IServiceProvider Services => _app.Services;

    public IWorkflowClient Client => Services.GetRequiredService<IWorkflowClient>();

    public static async Task<HttpWorkflowServer> StartAsync(
        Action<WorkflowToolOptions>? configure = null, Action<IWorkflowBuilder>? workflows = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddAuthentication(BearerScheme).AddScheme<AuthenticationSchemeOptions, TestBearerHandler>(BearerScheme, null);
        builder.Services.AddAuthorization();
        var engine = builder.Services.AddWorkflows()
            .AddWorkflow(TestWorkflows.RefundWorkflow)
            .AddWorkflow(TestWorkflows.GreetWorkflow)
            .AddWorkflow(TestWorkflows.OrderWorkflow)
            .AddWorkflow(TestWorkflows.HiddenWorkflow);
        workflows?.Invoke(engine);
        builder.Services.AddSingleton<IWorkflowToolAuthorizer, TestAuthorizer>();
        builder.Services.AddMcpServer()
            .WithHttpTransport(o => o.Stateless = true)
            .WithWorkflowTools(o =>
            {
                TestWorkflows.Expose(o);
                configure?.Invoke(o);
            });
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMcp("/mcp");
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new HttpWorkflowServer(app, new Uri(address + "/mcp"));
    }

    /// <summary>Connects a client as the caller the token names, or anonymously without one.</summary>
    public Task<McpClient> ConnectAsync(string? token, CancellationToken cancellationToken = default) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = Endpoint,
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = token is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
            }),
            cancellationToken: cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private sealed class TestBearerHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            ClaimsPrincipal? user = header["Bearer ".Length..] switch
            {
                "alice" => TestWorkflows.Caller("alice"),
                "manager" => TestWorkflows.Caller("manager", TestWorkflows.ApproverRole),
                "stranger" => TestWorkflows.Caller("stranger"),
                _ => null,
            };
            return Task.FromResult(user is null
                ? AuthenticateResult.Fail("unknown token")
                : AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(user.Claims, BearerScheme)), BearerScheme)));
        }
    }
}
