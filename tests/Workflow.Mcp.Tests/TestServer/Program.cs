// A real MCP server process for the tests, speaking MCP over stdio:
//   workflows <caller> [role...]   serves TestWorkflows as workflow tools, the caller being the given identity; with
//                                  WORKFLOW_TEST_SERVER_POSTGRES and WORKFLOW_TEST_SERVER_SCHEMA set, on that database
//                                  and schema (so several processes share the instances), else in memory
//   caller <endpoint> <token>      serves refund-remotely, which runs refund on the workflow server at <endpoint>
//                                  (with a bearer token); needs the two PostgreSQL variables above
//   tools                          serves plain tools (echo, pid, record, fail, hang, exit)
//   broken                         writes an error and exits at once, like a misconfigured server
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Server;
using Workflow.Mcp.Server;
using Workflow.Mcp.TestServer;

if (args is ["broken", ..])
{
    await Console.Error.WriteLineAsync("fatal: the configuration file 'support.json' is missing");
    return 2;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var mcp = builder.Services.AddMcpServer().WithStdioServerTransport();

if (args is ["workflows", var caller, .. var roles])
{
    var workflows = builder.Services.AddWorkflows()
        .AddWorkflow(TestWorkflows.RefundWorkflow)
        .AddWorkflow(TestWorkflows.GreetWorkflow)
        .AddWorkflow(TestWorkflows.OrderWorkflow)
        .AddWorkflow(TestWorkflows.HiddenWorkflow);
    if (Environment.GetEnvironmentVariable("WORKFLOW_TEST_SERVER_POSTGRES") is { Length: > 0 } connectionString)
    {
        var schema = Environment.GetEnvironmentVariable("WORKFLOW_TEST_SERVER_SCHEMA") ?? "workflow";
        workflows.UsePostgres(connectionString, o => o.Schema = schema);
    }
    builder.Services.AddSingleton<IWorkflowToolAuthorizer, TestAuthorizer>();
    mcp.WithWorkflowTools(o =>
    {
        TestWorkflows.Expose(o);
        o.LocalCaller = TestWorkflows.Caller(caller, roles);
    });
}
else if (args is ["caller", var endpoint, var token])
{
    // Short leases, so a restarted process takes over the instances of a killed one quickly.
    builder.Services.AddWorkflows(o =>
        {
            o.LeaseDuration = TimeSpan.FromSeconds(2);
            o.PollInterval = TimeSpan.FromMilliseconds(200);
        })
        .AddWorkflow(TestWorkflows.RefundRemotelyWorkflow)
        .UsePostgres(Environment.GetEnvironmentVariable("WORKFLOW_TEST_SERVER_POSTGRES")!, o => o.Schema = Environment.GetEnvironmentVariable("WORKFLOW_TEST_SERVER_SCHEMA")!)
        .AddMcpClient(TestWorkflows.RemoteDesk, o =>
        {
            o.Endpoint = new Uri(endpoint);
            o.Headers["Authorization"] = $"Bearer {token}";
        });
    builder.Services.AddSingleton<IWorkflowToolAuthorizer, TestAuthorizer>();
    mcp.WithWorkflowTools(o =>
        {
            o.Workflows.Add(TestWorkflows.RefundRemotely);
            o.LocalCaller = TestWorkflows.Caller("service-a");
        })
        .WithTools([McpServerTool.Create(() => Environment.ProcessId, new() { Name = "pid", Description = "Returns the server's process id.", ReadOnly = true })]);
}
else if (args is ["tools", ..])
{
    mcp.WithTools(
    [
        McpServerTool.Create((string text) => $"echo: {text}", new() { Name = "echo", Description = "Echoes text.", ReadOnly = true }),
        McpServerTool.Create(() => Environment.ProcessId, new() { Name = "pid", Description = "Returns the server's process id.", ReadOnly = true }),
        McpServerTool.Create(async (string key, CancellationToken ct) =>
        {
            var log = Environment.GetEnvironmentVariable("WORKFLOW_TEST_CALL_LOG") ?? throw new McpException("WORKFLOW_TEST_CALL_LOG is not set");
            await File.AppendAllTextAsync(log, key + Environment.NewLine, ct);
            return $"recorded {key}";
        }, new() { Name = "record", Description = "Appends a key to the call log." }),
        McpServerTool.Create(string (string sku) => throw new McpException($"item {sku} is out of stock"), new() { Name = "fail", Description = "Always fails." }),
        McpServerTool.Create(async (CancellationToken ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        }, new() { Name = "hang", Description = "Never answers." }),
        McpServerTool.Create(string () =>
        {
            Console.Error.WriteLine("dying on purpose");
            Environment.Exit(3);
            return "never";
        }, new() { Name = "exit", Description = "Exits the process mid-call." }),
    ]);
}
else
{
    await Console.Error.WriteLineAsync("usage: workflows <caller> [role...] | tools | broken");
    return 1;
}

await builder.Build().RunAsync();
return 0;
