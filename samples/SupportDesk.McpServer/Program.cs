// SupportDesk.McpServer: an MCP server with customer-support tools (order lookup, refund, knowledge-base search) over
// a small bundled data set. It speaks MCP over stdio, so an MCP client starts it as a child process:
//   dotnet run --project samples/SupportDesk.McpServer
// and SupportDesk.McpHost consumes it from its workflow steps.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SupportDesk.McpServer;

var builder = Host.CreateApplicationBuilder(args);

// 1. stdout carries the protocol: every log line goes to stderr.
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

// 2. The bundled data, copied next to the server's assembly.
builder.Services.AddSingleton(new SupportData(Path.Combine(AppContext.BaseDirectory, "Data")));

// 3. The tools, served over stdio.
builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "support-desk", Version = "1.0.0" })
    .WithStdioServerTransport()
    .WithTools<SupportTools>();

await builder.Build().RunAsync();
