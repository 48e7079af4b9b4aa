// SupportDesk.McpHost: serves the support-refund workflow as MCP tools, so an assistant can start a refund, follow it,
// and (as a support manager) answer its approval. The workflow's steps use the tools of SupportDesk.McpServer.
//   dotnet run --project samples/SupportDesk.McpHost                      Streamable HTTP on http://127.0.0.1:5080/mcp
//   dotnet run --project samples/SupportDesk.McpHost -- stdio maria support-manager   MCP over stdio, as that caller
using SupportDesk.McpHost;
using Workflow.Mcp.Server;

var stdio = args is ["stdio", ..];
var builder = WebApplication.CreateBuilder(stdio ? [] : args);
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);   // stdout may carry the protocol
builder.Logging.SetMinimumLevel(LogLevel.Warning);

// 1. The workflow engine (in-memory store here; UsePostgres for a durable one) and the MCP server whose tools the
//    workflow's steps call: SupportDesk.McpServer, started as a child process on first use.
#region mcp-add-client
builder.Services.AddWorkflows()
    .AddWorkflow(SupportRefund.Definition)
    .AddMcpClient(SupportRefund.SupportDesk, o =>
    {
        o.Command = "dotnet";                                // or o.Endpoint = new Uri("https://.../mcp") for HTTP
        o.Arguments.Add(builder.Configuration["SupportDesk:ServerDll"] ?? SupportDeskServer.DefaultDll());
        o.CallTimeout = TimeSpan.FromSeconds(30);
    });
#endregion

// 2. Who may do what with the workflow tools.
#region mcp-register-authorizer
builder.Services.AddSingleton<IWorkflowToolAuthorizer, SupportAuthorizer>();
#endregion

if (stdio)
{
    // 3a. Over stdio the caller is whoever started this process: the host vouches for that identity.
    builder.Services.AddMcpServer()
        .WithStdioServerTransport()
        .WithWorkflowTools(o =>
        {
            o.Workflows.Add(SupportRefund.Name);
            o.LocalCaller = DemoTokenHandler.User(args.ElementAtOrDefault(1) ?? "assistant", [.. args.Skip(2)]);
        });
    using var host = builder.Build();
    await host.RunAsync();
    return;
}

// 3b. Over HTTP the caller is the authenticated ASP.NET Core user.
builder.WebHost.UseUrls(builder.Configuration["Urls"] ?? "http://127.0.0.1:5080");
builder.Services.AddAuthentication(DemoTokenHandler.SchemeName)
    .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, DemoTokenHandler>(DemoTokenHandler.SchemeName, null);
builder.Services.AddAuthorization();
#region mcp-serve-workflows
builder.Services.AddMcpServer()
    .WithHttpTransport(o => o.Stateless = true)
    .WithWorkflowTools(o =>
    {
        o.Workflows.Add(SupportRefund.Name);                 // start_support-refund, plus the generic tools
        o.DefaultWait = TimeSpan.FromSeconds(20);            // a start waits this long for the result or an approval
    });

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapMcp("/mcp").RequireAuthorization();
#endregion
await app.RunAsync();

/// <summary>Where the SupportDesk.McpServer sample is built, next to this one.</summary>
internal static class SupportDeskServer
{
    public static string DefaultDll()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(output.Parent!.Parent!.FullName, "SupportDesk.McpServer", output.Name, "SupportDesk.McpServer.dll");
    }
}
